//! `cargo xtask dev [--port 8787]`: setup, build, migrate, start the fake shop, serve, seed the
//! demo tenant, and run until Ctrl-C. State persists in wrangler's default `.wrangler/state`.

use crate::build::{build, BuildOptions};
use crate::error::{fail, IoContext, Result};
use crate::harness::{
    apply_migrations, build_fakes, demo_tenant, port_taken, seed_tenant, start_fake_shop,
    start_fixture_site, start_wrangler, tenant_body, WranglerOptions, FAKE_SHOP_PRODUCTS,
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
    // The demo shop's catalog (the storefront's "Best sellers" and the catalog source) and its
    // website (the demo tenant's knowledge is learned from it, issue 15).
    build_fakes(paths)?;
    let scratch = paths.scratch();
    std::fs::create_dir_all(&scratch).context(|| format!("creating {}", scratch.display()))?;
    let (_fake_shop, shop_port) =
        start_fake_shop(paths, FAKE_SHOP_PRODUCTS, &scratch.join("fake-shop.log"))?;
    let shop = format!("http://127.0.0.1:{shop_port}");
    let (_site, site_port) = start_fixture_site(paths, 1, &scratch.join("fixture-site.log"))?;
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
    // The fake shop's own storefront pages embed the widget too.
    let origins = vec![
        gateway.clone(),
        format!("http://localhost:{port}"),
        shop.clone(),
    ];
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
        match crate::site::connect_catalog(&gateway, "demo", kid, secret, &shop) {
            Ok(()) => {
                println!("  syncing the fake shop's catalog {shop}/shopify into the demo tenant")
            }
            Err(e) => eprintln!("  could not start the catalog sync: {e}"),
        }
        match crate::site::connect_orders(&gateway, "demo", kid, secret, &shop) {
            Ok(()) => println!(
                "  order lookups answered from the fake shop's order API (try \"where is my order? #1001 ada@example.com\")"
            ),
            Err(e) => eprintln!("  could not connect the order API: {e}"),
        }
    }
    let admin = key
        .map(|(kid, secret)| format!("  admin console:  {gateway}/admin/  (tenant demo, key id {kid}, secret {secret})\n"))
        .unwrap_or_default();
    println!(
        "\n  Shopkeep demo storefront: {gateway}/?shop={shop}\n{admin}  fake shop:      {shop}  (catalog source URLs: {shop}/shopify, {shop}/woo, {shop}/merchant/feed.xml)\n  its storefront: {shop}/shopify/?gateway={gateway}&tenant=demo\n  (local demo credentials only; Ctrl-C stops the gateway, the fake shop and the fixture site)\n"
    );
    let status = wrangler.wait()?;
    if status.success() {
        Ok(())
    } else {
        fail(format!("wrangler dev exited: {status}"))
    }
}
