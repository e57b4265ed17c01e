//! What the demo tenant learns in `cargo xtask dev`: the fixture site (its sitemap added as a
//! knowledge source and synced), the fake shop's catalog (connected and synced) and its order
//! API (connected), through the signed admin API exactly as a shop would.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use shopkeep_gateway_core::admin_auth;

use crate::error::{fail, Result};
use crate::tenant::parse_hex_key;

fn signed(
    gateway: &str,
    method: &str,
    path: &str,
    body: &str,
    kid: &str,
    key: &[u8; 32],
) -> Result<Value> {
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let signature = admin_auth::sign(key, kid, now_s, method, path, body.as_bytes());
    let response = crate::http::request(
        method,
        &format!("{gateway}{path}"),
        &[
            (admin_auth::HEADER, &signature),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )?;
    if !(200..300).contains(&response.status) {
        return fail(format!(
            "{method} {path}: status {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ));
    }
    Ok(serde_json::from_slice(&response.body).unwrap_or(Value::Null))
}

/// Adds `{site}/sitemap.xml` as a weekly source of `tenant_id` (once) and syncs it now.
pub(crate) fn learn_site(
    gateway: &str,
    tenant_id: &str,
    kid: &str,
    key_hex: &str,
    site: &str,
) -> Result<()> {
    let key = parse_hex_key(key_hex)?;
    let base = format!("/v1/admin/tenants/{tenant_id}/knowledge");
    let sitemap = format!("{site}/sitemap.xml");
    let listed = signed(gateway, "GET", &format!("{base}/sources"), "", kid, &key)?;
    let existing = listed["sources"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|s| {
            let source = &s["source"];
            // The fixture site's port changes every run: any sitemap source on 127.0.0.1 is it.
            (source["kind"] == "sitemap"
                && source["url"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("http://127.0.0.1:")))
            .then(|| source["source_id"].as_str().unwrap_or_default().to_string())
        });
    let body = json!({"kind": "sitemap", "url": sitemap, "schedule": "weekly"}).to_string();
    let source_id = match existing {
        Some(id) => {
            signed(
                gateway,
                "PUT",
                &format!("{base}/sources/{id}"),
                &body,
                kid,
                &key,
            )?;
            id
        }
        None => {
            let created = signed(
                gateway,
                "POST",
                &format!("{base}/sources"),
                &body,
                kid,
                &key,
            )?;
            created["source"]["source_id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        }
    };
    signed(
        gateway,
        "POST",
        &format!("{base}/sources/{source_id}/sync"),
        "{}",
        kid,
        &key,
    )?;
    Ok(())
}

/// Connects the demo tenant's catalog to the fake shop's Shopify shape (`{shop}/shopify`;
/// saving replaces the source, the fake shop's port changes every run) and starts a full
/// sync, as a shop would in the console's Catalog tab.
pub(crate) fn connect_catalog(
    gateway: &str,
    tenant_id: &str,
    kid: &str,
    key_hex: &str,
    shop: &str,
) -> Result<()> {
    let key = parse_hex_key(key_hex)?;
    let base = format!("/v1/admin/tenants/{tenant_id}/catalog");
    let body = json!({"kind": "shopify", "url": format!("{shop}/shopify"), "schedule": "daily"})
        .to_string();
    signed(gateway, "PUT", &format!("{base}/source"), &body, kid, &key)?;
    signed(
        gateway,
        "POST",
        &format!("{base}/sync"),
        r#"{"full":true}"#,
        kid,
        &key,
    )?;
    Ok(())
}

/// The fake shop's Shopify Admin token (tests/fake-shop/README.md: a local fixture, not a
/// secret).
const FAKE_SHOP_ADMIN_TOKEN: &str = "shpat_fakeshop_0123456789abcdef";

/// Connects the demo tenant's order lookups to the fake shop's Shopify Admin order API (saving
/// replaces the source; the gateway probes it once), as a shop would through the admin API:
/// "where is my order? #1001 ada@example.com" then answers with an order card.
pub(crate) fn connect_orders(
    gateway: &str,
    tenant_id: &str,
    kid: &str,
    key_hex: &str,
    shop: &str,
) -> Result<()> {
    let key = parse_hex_key(key_hex)?;
    let body = json!({
        "kind": "shopify_admin",
        "base_url": format!("{shop}/shopify"),
        "access_token": FAKE_SHOP_ADMIN_TOKEN,
    })
    .to_string();
    signed(
        gateway,
        "PUT",
        &format!("/v1/admin/tenants/{tenant_id}/orders/source"),
        &body,
        kid,
        &key,
    )?;
    Ok(())
}
