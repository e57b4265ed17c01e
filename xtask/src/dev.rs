//! `cargo xtask dev [--port 8787]`: setup, build, migrate, serve, seed the demo tenant, and
//! run until Ctrl-C. State persists in wrangler's default `.wrangler/state`.

use crate::build::{build, BuildOptions};
use crate::error::{fail, Result};
use crate::harness::{
    apply_migrations, demo_tenant, port_taken, seed_tenant, start_wrangler, tenant_body,
    WranglerOptions,
};
use crate::paths::Paths;
use crate::setup::{dev_var, setup};

/// Runs the demo until interrupted.
pub(crate) fn dev(paths: &Paths, port: u16) -> Result<()> {
    setup(paths)?;
    build(paths, BuildOptions { gateway: true })?;
    if port_taken(port) {
        return fail(format!(
            "port {port} is already in use; pick another with `cargo xtask dev --port N`"
        ));
    }
    let Some(platform_secret) = dev_var(paths, "PLATFORM_SECRET") else {
        return fail(
            ".dev.vars has no PLATFORM_SECRET (delete .dev.vars and run `cargo xtask setup`)",
        );
    };
    apply_migrations(paths, None)?;
    let mut wrangler = start_wrangler(
        paths,
        &WranglerOptions {
            port,
            persist_to: None,
            vars: Vec::new(),
            log: None,
        },
    )?;

    let gateway = format!("http://127.0.0.1:{port}");
    let origins = vec![gateway.clone(), format!("http://localhost:{port}")];
    seed_tenant(
        &gateway,
        &platform_secret,
        &tenant_body(&demo_tenant(paths)?, "demo", &origins),
    )?;

    println!("\n  Shopkeep demo storefront: {gateway}/\n  (Ctrl-C stops the gateway)\n");
    let status = wrangler.wait()?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("wrangler dev exited: {status}"))
    }
}
