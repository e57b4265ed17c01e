//! The fake shop's own pages for browser journeys: a Shopify-like and a WooCommerce-like
//! storefront embedding the Shopkeep widget, product pages, and their carts (Shopify's
//! `/cart/add.js` + `/cart.js`, Woo's `?add-to-cart=` + Store API cart), one cart per cookie.
//!
//! Owns: page HTML and cart JSON.
//! Must not depend on: the product-feed shapes.

use serde_json::{json, Value};

use crate::catalog::{Catalog, Product, Variant};
use crate::http::{html_escape, money, Request, Response};

/// Which storefront.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// `/shopify/`.
    Shopify,
    /// `/woo/`.
    Woo,
}

/// Cart lines: (Shopify variant id, quantity).
pub type Cart = Vec<(u64, u32)>;

/// How many best sellers the storefront shows.
pub const BEST_SELLERS: usize = 8;

/// The gateway origin from `?gateway=` if it is a plain http(s) origin (no path games, no
/// quotes): the page puts it in a `src` attribute.
pub fn gateway_origin(value: &str) -> Option<String> {
    let rest = value
        .strip_prefix("http://")
        .or_else(|| value.strip_prefix("https://"))?;
    let host = rest.trim_end_matches('/');
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then(|| value.trim_end_matches('/').to_owned())
}

/// A tenant id as the gateway accepts them.
pub fn tenant_id(value: &str) -> Option<String> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    ok.then(|| value.to_owned())
}

/// Finds a variant by Shopify id.
pub fn find_variant(catalog: &Catalog, id: u64) -> Option<(&Product, &Variant)> {
    catalog
        .products
        .iter()
        .find_map(|p| p.variants.iter().find(|v| v.id == id).map(|v| (p, v)))
}

/// Total quantity in a cart.
pub fn item_count(cart: &Cart) -> u32 {
    cart.iter().map(|(_, q)| q).sum()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f7f5f0;color:#1f2933}\
header{display:flex;justify-content:space-between;padding:1rem 2rem;background:#fff;border-bottom:1px solid #e4e0d8}\
main{padding:1rem 2rem}.grid{list-style:none;padding:0;display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:1rem}\
.card{background:#fff;border:1px solid #e4e0d8;padding:1rem}.swatch{aspect-ratio:1;background:linear-gradient(135deg,#14b8a6,#0f766e)}\
.price{font-weight:700}.notice{background:#fff3cd;padding:.5rem 1rem}s{color:#888}";

fn price_html(product: &Product) -> String {
    let compare = product
        .variants
        .iter()
        .filter_map(|v| v.compare_at_cents)
        .min();
    let price = format!("{} EUR", money(product.min_price_cents()));
    match compare {
        Some(c) => format!("<s>{} EUR</s> {price}", money(c)),
        None => price,
    }
}

fn card(platform: Platform, product: &Product) -> String {
    let link = match platform {
        Platform::Shopify => format!("/shopify/products/{}", product.handle),
        Platform::Woo => format!("/woo/product/{}/", product.handle),
    };
    format!(
        "<li class=\"card\" data-handle=\"{handle}\"><div class=\"swatch\" aria-hidden=\"true\"></div>\
         <h3><a href=\"{link}\">{title}</a></h3><p class=\"price\">{price}</p>\
         <p>{stock}</p></li>",
        handle = html_escape(&product.handle),
        title = html_escape(&product.title),
        price = price_html(product),
        stock = if product.available() { "In stock" } else { "Sold out" },
    )
}

/// The cart-count refresher: on load and after each `shopkeep:add_to_cart` (the widget fires
/// it, then performs the platform's default add unless the page prevented it, so the count is
/// polled for a few seconds until it changes).
fn cart_script(platform: Platform) -> String {
    let (url, field) = match platform {
        Platform::Shopify => ("/cart.js", "item_count"),
        Platform::Woo => ("/woo/wp-json/wc/store/v1/cart", "items_count"),
    };
    format!(
        "<script>\n(() => {{\n  const el = document.querySelector('[data-cart-count]');\n  \
         window.shopkeepCartEvents = [];\n  async function refresh() {{\n    \
         const r = await fetch('{url}', {{ credentials: 'same-origin' }});\n    \
         const cart = await r.json();\n    el.textContent = String(cart.{field});\n    return cart.{field};\n  }}\n  \
         window.addEventListener('shopkeep:add_to_cart', (event) => {{\n    \
         window.shopkeepCartEvents.push(event.detail ?? null);\n    const before = el.textContent;\n    \
         let tries = 0;\n    const poll = async () => {{\n      tries += 1;\n      \
         const now = await refresh().catch(() => before);\n      \
         if (String(now) === before && tries < 12) setTimeout(poll, 250);\n    }};\n    \
         setTimeout(poll, 100);\n  }}, true);\n}})();\n</script>\n"
    )
}

/// `/shopify/` or `/woo/`: best sellers, a cart count, and the widget when `?gateway=` and
/// `?tenant=` name one.
pub fn storefront(
    platform: Platform,
    catalog: &Catalog,
    request: &Request,
    cart: &Cart,
    notice: Option<&str>,
    login: Option<&(String, String)>,
) -> Response {
    let cards: String = catalog
        .products
        .iter()
        .take(BEST_SELLERS)
        .map(|p| card(platform, p))
        .collect();
    let gateway = request.param("gateway").and_then(|g| gateway_origin(&g));
    let tenant = request
        .param("tenant")
        .and_then(|t| tenant_id(&t))
        .unwrap_or_else(|| "demo".into());
    // The fake login: the host-page API stub queues `identify` until the widget loads (the
    // token is base64url and dots only, safe inside a JS string).
    let identify = login
        .map(|(_, token)| {
            format!(
                "<script>window.Shopkeep=window.Shopkeep||function(){{(Shopkeep.q=Shopkeep.q||[]).push(arguments)}};\
                 Shopkeep('identify', '{token}');</script>\n"
            )
        })
        .unwrap_or_default();
    let signed_in = login
        .map(|(name, _)| {
            format!(
                "<span data-signed-in>Signed in as {}</span>",
                html_escape(name)
            )
        })
        .unwrap_or_default();
    let embed = match gateway {
        Some(gateway) => format!(
            "{identify}<script async src=\"{}/embed.js\" data-tenant=\"{}\"></script>\n",
            html_escape(&gateway),
            html_escape(&tenant)
        ),
        None => "<!-- no ?gateway=: the widget is not embedded -->\n".into(),
    };
    let (name, home) = match platform {
        Platform::Shopify => ("Shopify", "/shopify/"),
        Platform::Woo => ("WooCommerce", "/woo/"),
    };
    let notice = notice
        .map(|n| format!("<p class=\"notice\" role=\"status\">{}</p>", html_escape(n)))
        .unwrap_or_default();
    Response::html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"icon\" href=\"data:,\"><title>Acme Outfitters ({name} fake shop)</title>\
         <style>{STYLE}</style></head>\n<body data-platform=\"{platform}\">\
         <header><a href=\"{home}\">Acme Outfitters</a>{signed_in}\
         <a class=\"cart\" href=\"{home}#cart\">Cart (<span data-cart-count>{count}</span>)</a></header>\n\
         <main>{notice}<h2>Best sellers</h2><ul class=\"grid\">{cards}</ul></main>\n{script}{embed}</body></html>\n",
        platform = if platform == Platform::Shopify { "shopify" } else { "woocommerce" },
        count = item_count(cart),
        script = cart_script(platform),
    ))
}

/// `GET /`: where everything is (for people running `cargo xtask dev`).
pub fn index(base: &str) -> Response {
    let links = [
        (
            "/shopify/",
            "Shopify-shaped storefront (add ?gateway=<origin>&tenant=<id>)",
        ),
        (
            "/woo/",
            "WooCommerce-shaped storefront (add ?gateway=<origin>&tenant=<id>)",
        ),
        (
            "/shopify/products.json?limit=250&page=1",
            "Shopify products.json",
        ),
        (
            "/woo/wp-json/wc/store/v1/products?per_page=100&page=1",
            "WooCommerce Store API",
        ),
        ("/merchant/feed.xml", "Google Merchant feed"),
        ("/export/products.csv", "CSV export"),
        ("/export/products.json", "JSON export"),
        ("/__requests", "request log"),
    ];
    let items: String = links
        .iter()
        .map(|(path, label)| {
            format!("<li><a href=\"{path}\">{label}</a> <code>{base}{path}</code></li>")
        })
        .collect();
    Response::html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">\
         <title>Shopkeep fake shop</title><style>{STYLE}</style></head><body><main><h1>Shopkeep fake shop</h1>\
         <p>Catalog source URLs: <code>{base}/shopify</code>, <code>{base}/woo</code>, \
         <code>{base}/merchant/feed.xml</code>. See tests/fake-shop/README.md.</p><ul>{items}</ul></main></body></html>\n",
        base = html_escape(base),
    ))
}

/// A product page (`/shopify/products/<handle>`, `/woo/product/<slug>/`).
pub fn product_page(platform: Platform, product: &Product) -> Response {
    let rows: String = product
        .variants
        .iter()
        .map(|v| {
            format!(
                "<tr><td>{}</td><td>{} EUR</td><td>{}</td></tr>",
                html_escape(&v.title()),
                money(v.price_cents),
                if v.available() {
                    "In stock"
                } else {
                    "Sold out"
                }
            )
        })
        .collect();
    let home = if platform == Platform::Shopify {
        "/shopify/"
    } else {
        "/woo/"
    };
    Response::html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">\
         <title>{title}</title><style>{STYLE}</style></head><body><header><a href=\"{home}\">Acme Outfitters</a></header>\
         <main><h1>{title}</h1><p>{brand} · {category}</p><p>{description}</p><table>{rows}</table></main></body></html>\n",
        title = html_escape(&product.title),
        brand = html_escape(&product.brand),
        category = html_escape(product.category),
        description = html_escape(&product.description),
    ))
}

/// Shopify's Ajax cart (`GET /cart.js`).
pub fn cart_js(catalog: &Catalog, token: &str, cart: &Cart) -> Value {
    let items: Vec<Value> = cart
        .iter()
        .filter_map(|(id, quantity)| {
            let (product, variant) = find_variant(catalog, *id)?;
            Some(line_item(product, variant, *quantity))
        })
        .collect();
    let total: u64 = cart
        .iter()
        .filter_map(|(id, q)| {
            find_variant(catalog, *id).map(|(_, v)| v.price_cents * u64::from(*q))
        })
        .sum();
    json!({
        "token": token, "note": null, "attributes": {}, "item_count": item_count(cart),
        "total_price": total, "currency": "EUR", "requires_shipping": true, "items": items,
    })
}

/// One line of Shopify's cart (also what `/cart/add.js` answers).
pub fn line_item(product: &Product, variant: &Variant, quantity: u32) -> Value {
    json!({
        "id": variant.id, "variant_id": variant.id, "product_id": product.id, "quantity": quantity,
        "title": format!("{} - {}", product.title, variant.title()), "product_title": product.title,
        "variant_title": variant.title(), "price": variant.price_cents,
        "line_price": variant.price_cents * u64::from(quantity), "sku": variant.sku,
        "handle": product.handle, "url": format!("/products/{}?variant={}", product.handle, variant.id),
        "image": product.image_url(),
    })
}

/// `(variant id, quantity)` pairs from an add.js body: JSON `{id, quantity}`, JSON
/// `{items: [{id, quantity}]}` or a form `id=…&quantity=…`.
pub fn parse_add(body: &[u8]) -> Result<(Vec<(u64, u32)>, bool), String> {
    let text = String::from_utf8_lossy(body);
    let number = |v: &Value| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    if text.trim_start().starts_with('{') {
        let value: Value =
            serde_json::from_str(&text).map_err(|err| format!("body is not JSON: {err}"))?;
        let one = |item: &Value| -> Result<(u64, u32), String> {
            let id = number(&item["id"]).ok_or("`id` (a variant id) is required")?;
            let quantity = match &item["quantity"] {
                Value::Null => 1,
                q => number(q)
                    .filter(|q| (1..=99).contains(q))
                    .ok_or("`quantity` must be 1..99")? as u32,
            };
            Ok((id, quantity))
        };
        return match value["items"].as_array() {
            Some(items) => Ok((items.iter().map(one).collect::<Result<_, _>>()?, true)),
            None => Ok((vec![one(&value)?], false)),
        };
    }
    let pairs = crate::http::form_pairs(&text);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let id = get("id")
        .and_then(|v| v.parse().ok())
        .ok_or("`id` (a variant id) is required")?;
    let quantity = match get("quantity") {
        None => 1,
        Some(q) => q
            .parse()
            .ok()
            .filter(|q| (1..=99).contains(q))
            .ok_or("`quantity` must be 1..99")?,
    };
    Ok((vec![(id, quantity)], false))
}

/// Adds lines to a cart after checking each variant exists and is in stock; Shopify's errors.
pub fn add_to_cart(
    catalog: &Catalog,
    cart: &mut Cart,
    lines: &[(u64, u32)],
) -> Result<Vec<Value>, Response> {
    for (id, _) in lines {
        match find_variant(catalog, *id) {
            None => {
                return Err(Response::json(
                    404,
                    &json!({"status": 404, "message": "Cart Error", "description": "Cannot find variant"}),
                ))
            }
            Some((product, variant)) if !variant.available() => {
                return Err(Response::json(
                    422,
                    &json!({
                        "status": 422, "message": "Cart Error",
                        "description": format!("The product '{} - {}' is already sold out.", product.title, variant.title()),
                    }),
                ))
            }
            Some(_) => {}
        }
    }
    let mut added = Vec::new();
    for (id, quantity) in lines {
        match cart.iter_mut().find(|(line, _)| line == id) {
            Some(line) => line.1 += quantity,
            None => cart.push((*id, *quantity)),
        }
        if let Some((product, variant)) = find_variant(catalog, *id) {
            added.push(line_item(product, variant, *quantity));
        }
    }
    Ok(added)
}

/// The Woo Store API cart (`GET /woo/wp-json/wc/store/v1/cart`), trimmed to what a page reads.
pub fn woo_cart(catalog: &Catalog, cart: &Cart) -> Value {
    let items: Vec<Value> = cart
        .iter()
        .filter_map(|(id, quantity)| {
            let (product, variant) = find_variant(catalog, *id)?;
            Some(json!({"key": variant.sku, "id": variant.woo_id, "quantity": quantity, "name": product.title,
                        "sku": variant.sku, "prices": {"price": variant.price_cents.to_string(), "currency_code": "EUR", "currency_minor_unit": 2}}))
        })
        .collect();
    json!({"items": items, "items_count": item_count(cart), "totals": {"currency_code": "EUR", "currency_minor_unit": 2}})
}

/// Finds a variant by WooCommerce variation id.
pub fn find_woo_variation(catalog: &Catalog, id: u64) -> Option<(&Product, &Variant)> {
    catalog
        .products
        .iter()
        .find_map(|p| p.variants.iter().find(|v| v.woo_id == id).map(|v| (p, v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_origins_are_embedded() {
        assert_eq!(
            gateway_origin("http://127.0.0.1:8787/").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(
            gateway_origin("https://gw.example").as_deref(),
            Some("https://gw.example")
        );
        for bad in [
            "javascript:alert(1)",
            "http://a\"><script>",
            "http://a/b",
            "//a",
            "http://",
        ] {
            assert_eq!(gateway_origin(bad), None, "{bad}");
        }
        assert_eq!(tenant_id("demo").as_deref(), Some("demo"));
        assert_eq!(tenant_id("a\"b"), None);
    }

    #[test]
    fn add_bodies_in_every_form() {
        assert_eq!(
            parse_add(br#"{"id": 5, "quantity": 2}"#).unwrap(),
            (vec![(5, 2)], false)
        );
        assert_eq!(parse_add(br#"{"id": "5"}"#).unwrap(), (vec![(5, 1)], false));
        assert_eq!(
            parse_add(br#"{"items": [{"id": 5, "quantity": 1}, {"id": 6}]}"#).unwrap(),
            (vec![(5, 1), (6, 1)], true)
        );
        assert_eq!(
            parse_add(b"id=7&quantity=3").unwrap(),
            (vec![(7, 3)], false)
        );
        assert!(parse_add(b"quantity=3").is_err());
        assert!(parse_add(br#"{"id": 5, "quantity": 0}"#).is_err());
    }
}
