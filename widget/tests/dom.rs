//! The widget's DOM in a real browser: markdown never becomes markup, and mount/destroy leave
//! the shadow root exactly as they found it. Run with wasm-bindgen-test-runner (widget/README.md).

use shopkeep_widget::{mount, render_markdown};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

fn doc() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

fn rendered(md: &str) -> Element {
    let d = doc();
    let div = d.create_element("div").unwrap();
    render_markdown(&d, &div, md);
    div
}

#[wasm_bindgen_test]
fn html_in_an_answer_stays_text() {
    let md = "<script>alert(1)</script> <img src=x onerror=alert(1)> **<b>bold</b>**";
    let div = rendered(md);
    assert!(
        div.query_selector("script, img, b").unwrap().is_none(),
        "no element from the text"
    );
    assert!(div
        .text_content()
        .unwrap()
        .contains("<img src=x onerror=alert(1)>"));
    assert!(div.query_selector("strong").unwrap().is_some());
    assert!(
        !div.outer_html().contains("<script"),
        "{}",
        div.outer_html()
    );
}

#[wasm_bindgen_test]
fn only_http_links_become_anchors() {
    let div = rendered(
        "[bad](javascript:alert(1)) [data](data:text/html,x) [good](https://shop.example/a?b=1)",
    );
    let anchors = div.query_selector_all("a").unwrap();
    assert_eq!(anchors.length(), 1);
    let a: Element = anchors.get(0).unwrap().unchecked_into();
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://shop.example/a?b=1")
    );
    assert_eq!(
        a.get_attribute("rel").as_deref(),
        Some("noopener noreferrer")
    );
    assert_eq!(a.get_attribute("target").as_deref(), Some("_blank"));
    assert!(
        div.text_content().unwrap().contains("bad"),
        "an unsafe link keeps its label"
    );
}

fn shadow() -> (HtmlElement, ShadowRoot, HtmlElement) {
    let d = doc();
    let host: HtmlElement = d.create_element("div").unwrap().unchecked_into();
    d.body().unwrap().append_child(&host).unwrap();
    let root = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    let launcher: HtmlElement = d.create_element("button").unwrap().unchecked_into();
    launcher.set_attribute("data-sk", "launcher").unwrap();
    root.append_child(&launcher).unwrap();
    (host, root, launcher)
}

fn options(launcher: &HtmlElement) -> JsValue {
    let o = js_sys::Object::new();
    // Port 9 (discard) refuses connections at once: every request fails as a network error.
    js_sys::Reflect::set(&o, &"tenant".into(), &"demo".into()).unwrap();
    js_sys::Reflect::set(&o, &"gateway".into(), &"http://127.0.0.1:9".into()).unwrap();
    js_sys::Reflect::set(&o, &"launcher".into(), launcher).unwrap();
    o.into()
}

fn q(root: &ShadowRoot, sel: &str) -> Option<Element> {
    root.query_selector(sel).unwrap()
}

#[wasm_bindgen_test]
fn mount_creates_a_closed_panel_open_close_work_and_destroy_removes_everything() {
    let (host, root, launcher) = shadow();
    let mut w = mount(root.clone(), options(&launcher))
        .map_err(JsValue::from)
        .unwrap();
    let panel = q(&root, "[data-sk=panel]").expect("panel");
    assert_eq!(panel.get_attribute("role").as_deref(), Some("dialog"));
    assert!(panel.has_attribute("hidden"));
    for hook in [
        "title", "close", "messages", "greeting", "typing", "input", "send", "stop", "error",
        "retry",
    ] {
        assert!(
            q(&root, &format!("[data-sk={hook}]")).is_some(),
            "missing {hook}"
        );
    }
    assert!(q(&root, "[aria-live=polite]").is_some());
    assert_eq!(root.adopted_style_sheets().length(), 1);

    w.open();
    assert!(w.is_open() && !panel.has_attribute("hidden"));
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    let active = root.active_element().expect("focus inside the panel");
    assert_eq!(active.get_attribute("data-sk").as_deref(), Some("input"));
    w.toggle();
    assert!(!w.is_open() && panel.has_attribute("hidden"));
    assert_eq!(
        launcher.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );

    w.destroy();
    assert_eq!(
        root.child_element_count(),
        1,
        "only embed.js's launcher is left"
    );
    assert_eq!(root.adopted_style_sheets().length(), 0);
    w.open();
    assert!(!w.is_open(), "a destroyed widget does nothing");
    host.remove();
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_send_that_cannot_reach_the_gateway_keeps_the_message_and_offers_retry() {
    let (host, root, launcher) = shadow();
    let mut w = mount(root.clone(), options(&launcher))
        .map_err(JsValue::from)
        .unwrap();
    w.open();
    let input: web_sys::HtmlTextAreaElement = q(&root, "[data-sk=input]").unwrap().unchecked_into();
    input.set_value("Where is my order?");
    let send: HtmlElement = q(&root, "[data-sk=send]").unwrap().unchecked_into();
    send.click();
    let msg = q(&root, "[data-sk=message][data-role=user]").expect("the message is shown at once");
    assert!(msg.text_content().unwrap().contains("Where is my order?"));
    let mut waited = 0;
    while msg.get_attribute("data-status").as_deref() != Some("error") && waited < 5000 {
        sleep(50).await;
        waited += 50;
    }
    assert_eq!(msg.get_attribute("data-status").as_deref(), Some("error"));
    let retry = q(&root, "[data-sk=retry]").unwrap();
    assert!(!retry.has_attribute("hidden"));
    assert!(!q(&root, "[data-sk=error]")
        .unwrap()
        .text_content()
        .unwrap()
        .is_empty());
    w.destroy();
    host.remove();
}

#[wasm_bindgen_test]
fn host_api_emits_events_applies_updates_and_logout_clears_stored_sessions() {
    let (host, root, launcher) = shadow();
    let seen = js_sys::Array::new();
    let sink = seen.clone();
    let emit = wasm_bindgen::closure::Closure::<dyn FnMut(JsValue, JsValue)>::new(
        move |name: JsValue, _detail: JsValue| {
            sink.push(&name);
        },
    );
    let o = options(&launcher);
    js_sys::Reflect::set(&o, &"emit".into(), emit.as_ref()).unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage
        .set_item("shopkeep:v1:demo:u:someone:session", "{}")
        .unwrap();
    let mut w = mount(root.clone(), o).map_err(JsValue::from).unwrap();
    for hook in ["consent", "consent-accept", "consent-decline", "avatar"] {
        assert!(
            q(&root, &format!("[data-sk={hook}]")).is_some(),
            "missing {hook}"
        );
    }
    assert_eq!(
        launcher.get_attribute("aria-label").as_deref(),
        Some("Open chat"),
        "the widget labels the launcher"
    );

    // A page-level locale override picks the table; German is fetched, so English stays
    // until it arrives (no asset URL here: it never does) — the panel still works.
    let attrs = js_sys::Object::new();
    js_sys::Reflect::set(&attrs, &"color_scheme".into(), &"dark".into()).unwrap();
    js_sys::Reflect::set(&attrs, &"launcher_position".into(), &"left".into()).unwrap();
    w.update(attrs.into());
    let panel = q(&root, "[data-sk=panel]").unwrap();
    assert_eq!(panel.get_attribute("data-scheme").as_deref(), Some("dark"));
    assert_eq!(launcher.get_attribute("data-side").as_deref(), Some("left"));

    w.open();
    w.close();
    let names: Vec<String> = seen.iter().filter_map(|n| n.as_string()).collect();
    assert_eq!(names, ["opened", "closed"]);

    w.reset();
    assert!(
        storage
            .get_item("shopkeep:v1:demo:u:someone:session")
            .unwrap()
            .is_none(),
        "logout forgets every stored session of the tenant"
    );
    w.destroy();
    host.remove();
}
