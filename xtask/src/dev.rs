//! `cargo xtask dev [--port 8787]`: setup, build, migrate, serve, seed the demo tenant, and
//! run until Ctrl-C. State persists in wrangler's default `.wrangler/state`.

use crate::build::{build, BuildOptions};
use crate::error::{fail, Result};
use crate::harness::{
    apply_migrations, demo_tenant, port_taken, seed_tenant, start_fixture_site, start_wrangler,
    tenant_body, WranglerOptions,
};
use crate::paths::Paths;
use crate::setup::{dev_var, setup};

/// The demo tenant's current admin key (local dev only: this is a throwaway local secret).
fn demo_admin_key(gateway: &str, platform_secret: &str) -> Option<(String, String)> {
    let auth = format!("Bearer {platform_secret}");
    let response = crate::http::request(
        "GET",
        &format!("{gateway}/v1/platform/tenants/demo/keys"),
        &[("Authorization", &auth)],
        b"",
    )
    .ok()?;
    let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
    let key = body["keys"]
        .as_array()?
        .iter()
        .rev()
        .find(|k| k["purpose"] == "admin")?;
    Some((
        key["kid"].as_str()?.to_owned(),
        key["secret_hex"].as_str()?.to_owned(),
    ))
}

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
    // The demo shop's website: the demo tenant's knowledge is learned from it (issue 15).
    let site_log = std::env::temp_dir().join("shopkeep-dev-fixture-site.log");
    let (_site, site_port) = start_fixture_site(paths, 1, &site_log)?;
    let site = format!("http://127.0.0.1:{site_port}");
    let mut wrangler = start_wrangler(
        paths,
        &WranglerOptions {
            port,
            persist_to: None,
            // The demo's fake shop and fixture site listen on 127.0.0.1 (core outbound.rs).
            vars: vec![("ALLOW_PRIVATE_FETCH".into(), "1".into())],
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

    let key = demo_admin_key(&gateway, &platform_secret);
    if let Some((kid, secret)) = &key {
        match crate::site::learn_site(&gateway, "demo", kid, secret, &site) {
            Ok(()) => println!(
                "  syncing the demo shop's website {site} into the demo tenant's knowledge"
            ),
            Err(e) => eprintln!("  could not start the fixture site sync: {e}"),
        }
    }
    let admin = key
        .map(|(kid, secret)| format!("  admin console:  {gateway}/admin/  (tenant demo, key id {kid}, secret {secret})\n"))
        .unwrap_or_default();
    println!(
        "\n  Shopkeep demo storefront: {gateway}/\n{admin}  (local demo credentials only; Ctrl-C stops the gateway)\n"
    );
    let status = wrangler.wait()?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("wrangler dev exited: {status}"))
    }
}
