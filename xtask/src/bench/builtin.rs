//! A second gateway with no AI runtime configured, so its built-in responder answers (the
//! default of a fresh install): the "built-in responder" rows of the shopper section.

use std::path::PathBuf;

use crate::error::Result;
use crate::harness::{
    apply_migrations, demo_tenant, free_port, seed_tenant, start_wrangler, temp_dir, tenant_body,
    WranglerOptions,
};
use crate::paths::Paths;
use crate::process::Service;
use crate::setup::random_hex;

/// The running gateway.
#[derive(Debug)]
pub(crate) struct BuiltinGateway {
    /// `http://127.0.0.1:<port>`.
    pub(crate) url: String,
    /// Its platform secret (to seed tenants).
    pub(crate) platform_secret: String,
    /// Logs and state.
    pub(crate) dir: PathBuf,
    _wrangler: Service,
}

impl BuiltinGateway {
    /// Migrates fresh local state and starts `wrangler dev` without `AI_*` vars; seeds the
    /// demo tenant on its own origin (for the demo pages).
    pub(crate) fn start(paths: &Paths) -> Result<Self> {
        let dir = temp_dir("shopkeep-bench-builtin")?;
        let state = dir.join("state");
        apply_migrations(paths, Some(&state))?;
        let platform_secret = random_hex(32)?;
        let port = free_port()?;
        let wrangler = start_wrangler(
            paths,
            &WranglerOptions {
                port,
                persist_to: Some(state),
                vars: vec![
                    ("MASTER_SECRET".into(), random_hex(32)?),
                    ("PLATFORM_SECRET".into(), platform_secret.clone()),
                ],
                log: Some(dir.join("wrangler.log")),
            },
        )?;
        let url = format!("http://127.0.0.1:{port}");
        seed_tenant(
            &url,
            &platform_secret,
            &tenant_body(&demo_tenant(paths)?, "demo", std::slice::from_ref(&url)),
        )?;
        Ok(Self {
            url,
            platform_secret,
            dir,
            _wrangler: wrangler,
        })
    }
}
