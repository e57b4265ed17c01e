//! "Add to cart" on the host page (widget/README.md "Add to cart"): the cancelable
//! `shopkeep:add_to_cart` event on `window`, then — unless the page prevented it — the
//! platform's own cart on the page's own origin, then `shopkeep:cart_updated`.
//!
//! The requests go to the shop's origin (the page the widget is on), never to the gateway:
//! they carry the shopper's cart cookie, which only the shop's own pages have.

use crate::dom::Dom;
use crate::json::{js_object, object};
use js_sys::Array;
use shopkeep_protocol::Platform;
use shopkeep_widget_core::cards::{CartOutcome, CartRequest};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestCredentials, RequestInit, Response, Window};

/// Fires the event, performs the platform default unless prevented, reports the outcome.
pub(crate) async fn add(req: CartRequest) -> CartOutcome {
    let Some(w) = crate::dom::window() else {
        return CartOutcome::Failed;
    };
    let platform = match req.platform {
        Platform::Shopify => "shopify",
        Platform::Woocommerce => "woocommerce",
        _ => "other",
    };
    let opt = |s: &Option<String>| s.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    let p = &req.price;
    let detail = js_object(&[
        ("product_id", req.product_id.as_str().into()),
        ("variant_id", opt(&req.variant_id)),
        ("quantity", req.quantity.into()),
        ("platform", platform.into()),
        ("title", req.title.as_str().into()),
        (
            "price",
            js_object(&[
                ("amount_minor", (p.amount_minor as f64).into()),
                ("currency", p.currency.as_str().into()),
                ("exponent", p.exponent.into()),
            ]),
        ),
    ]);
    if !dispatch(&w, "shopkeep:add_to_cart", &detail, true) {
        return CartOutcome::Handled;
    }
    let init = RequestInit::new();
    init.set_credentials(RequestCredentials::SameOrigin);
    let mut quantity = String::new();
    shopkeep_widget_core::push_number(&mut quantity, req.quantity.into());
    // Relative URLs: the page's own origin (and, for WooCommerce, its own path).
    let url = match (req.platform, req.variant_id.as_deref()) {
        // Shopify's AJAX cart adds by variant id.
        (Platform::Shopify, Some(id)) => {
            let item = js_object(&[("id", id.into()), ("quantity", req.quantity.into())]);
            init.set_method("POST");
            init.set_headers(&js_object(&[
                ("Content-Type", "application/json".into()),
                ("Accept", "application/json".into()),
            ]));
            init.set_body(&object(&[("items", Array::of1(&item).into())]).into());
            String::from("/cart/add.js")
        }
        // WooCommerce adds on any front-end request with `?add-to-cart=` (the variation id
        // for a variable product); fetched, so the shopper stays on the page.
        (Platform::Woocommerce, variant) => {
            let id = variant.unwrap_or(&req.product_id);
            let mut url = String::from("?add-to-cart=");
            url.push_str(&String::from(js_sys::encode_uri_component(id)));
            url.push_str("&quantity=");
            url.push_str(&quantity);
            url
        }
        (Platform::Shopify, None) => return CartOutcome::Failed,
        // No platform default: the page's listener does it.
        _ => return CartOutcome::Handled,
    };
    let ok = match JsFuture::from(w.fetch_with_str_and_init(&url, &init)).await {
        Ok(r) => r.unchecked_into::<Response>().ok(),
        Err(_) => false,
    };
    if !ok {
        return CartOutcome::Failed;
    }
    dispatch(&w, "shopkeep:cart_updated", &detail, false);
    CartOutcome::Added
}

/// Dispatches `CustomEvent(name, {detail, bubbles, composed, cancelable})` on `window`; false
/// when a listener called `preventDefault()`. Built through `Reflect` (no extra bindings:
/// wasm weight).
fn dispatch(w: &Window, name: &str, detail: &JsValue, cancelable: bool) -> bool {
    let init = js_object(&[
        ("detail", detail.clone()),
        ("bubbles", true.into()),
        ("composed", true.into()),
        ("cancelable", cancelable.into()),
    ]);
    w.fire(&crate::dom::CustomEvent::new(name, &init))
}
