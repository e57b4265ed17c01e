//! Proves the shop answers over a real socket: the port line, Content-Length, CORS, and that a
//! slow-page fault really delays the answer.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shopkeep_fake_shop::catalog;
use shopkeep_fake_shop::shop::{Credentials, Shop};

fn start() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let shop = Arc::new(Shop::new(
        catalog::generate(catalog::SEED, 40),
        Credentials::default(),
    ));
    std::thread::spawn(move || shopkeep_fake_shop::server::serve_forever(listener, shop));
    port
}

fn exchange(port: u16, raw: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn pages_come_back_over_http() {
    let port = start();
    let answer = exchange(
        port,
        "GET /shopify/products.json?limit=2 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(answer.contains("Access-Control-Allow-Origin: *"));
    let (_, body) = answer.split_once("\r\n\r\n").unwrap();
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(json["products"].as_array().unwrap().len(), 2);
    let bad = exchange(port, "GARBAGE\r\nno-colon-header\r\n\r\n");
    assert!(bad.starts_with("HTTP/1.1 400"), "{bad}");
}

#[test]
fn a_slow_page_fault_delays_the_answer() {
    let port = start();
    let body = r#"{"faults": [{"prefix": "/woo", "delay_ms": 400}]}"#;
    let control = exchange(
        port,
        &format!(
            "POST /__control HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(control.starts_with("HTTP/1.1 200"), "{control}");
    let started = Instant::now();
    let answer = exchange(
        port,
        "GET /woo/wp-json/wc/store/v1/products HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    assert!(answer.contains("X-WP-Total: 40"));
    assert!(started.elapsed() >= Duration::from_millis(400));
}
