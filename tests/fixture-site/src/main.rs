//! `shopkeep-fixture-site`: a shop's website (Alpine Trail Outfitters) for the crawler's
//! end-to-end tests, the knowledge eval and `cargo xtask dev`.
//!
//! ```text
//! shopkeep-fixture-site [--port 0] [--host 127.0.0.1] [--crawl-delay 1]
//! ```
//!
//! The first stdout line is `listening on http://127.0.0.1:<port>`. It serves 68 HTML pages
//! (policies, FAQ with FAQPage JSON-LD, info pages, a blog, products with Product/Offer JSON-LD)
//! inside header/nav/cookie-banner/footer/script chrome, plus:
//! - `/robots.txt`: disallows `/account/`, asks for `Crawl-delay` (the `--crawl-delay` value);
//! - `/sitemap.xml`: an index of `/sitemaps/pages.xml`, `/sitemaps/blog.xml.gz` (gzipped) and
//!   `/sitemaps/products.xml` (itself an index of two sitemaps);
//! - traps listed in the sitemap: `/loop-a` ⇄ `/loop-b` (redirect loop), `/gone` (404),
//!   `/lookbook` (a 5 MB page), `/files/size-chart.pdf` (a PDF), `/account/orders` (robots),
//!   `/partner-offer` (a redirect to a cloud metadata address);
//! - `ETag`/`Last-Modified` on every page and 304 for matching conditional requests;
//! - `POST /__control` `{"op":"set","path":…,"main":…}` | `{"op":"remove","path":…}` |
//!   `{"op":"reset"}` changes the site between syncs; `GET /__requests` lists every request
//!   (method, path, user-agent, conditional headers); `DELETE /__requests` forgets them.
//!
//! Threads and std::net only, like tests/fake-upstream.

mod content;
mod gzip;
mod http;

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use serde_json::{json, Value};

use http::{read_request, write_response, Request};

const USAGE: &str = "usage: shopkeep-fixture-site [--port N] [--host ADDR] [--crawl-delay S]";
/// When the original pages last changed.
const BASE_MODIFIED: &str = "Mon, 02 Nov 2026 08:00:00 GMT";
/// When a page changed through `/__control`.
const CHANGED_MODIFIED: &str = "Sun, 29 Nov 2026 12:00:00 GMT";

#[derive(Debug)]
struct Shared {
    crawl_delay: u32,
    pages: Mutex<HashMap<String, content::Page>>,
    /// Paths changed through /__control (their Last-Modified moves on).
    changed: Mutex<Vec<String>>,
    requests: Mutex<Vec<Value>>,
}

fn fresh_pages() -> HashMap<String, content::Page> {
    content::pages()
        .into_iter()
        .map(|p| (p.path.clone(), p))
        .collect()
}

fn main() {
    let mut host = "127.0.0.1".to_string();
    let mut port = 0u16;
    let mut crawl_delay = 1u32;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_default();
        let ok = match flag.as_str() {
            "--host" => {
                host = value;
                true
            }
            "--port" => value.parse().map(|p| port = p).is_ok(),
            "--crawl-delay" => value.parse().map(|d| crawl_delay = d).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    }
    let listener = match TcpListener::bind((host.as_str(), port)) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {host}:{port}: {err}");
            std::process::exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
    println!("listening on http://{host}:{port}");
    let _ = io::stdout().flush();
    let shared = Arc::new(Shared {
        crawl_delay,
        pages: Mutex::new(fresh_pages()),
        changed: Mutex::new(Vec::new()),
        requests: Mutex::new(Vec::new()),
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            if let Err(err) = handle(stream, &shared) {
                if !matches!(
                    err.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) {
                    eprintln!("connection error: {err}");
                }
            }
        });
    }
}

fn json_response(stream: &mut TcpStream, status: u16, body: &Value) -> io::Result<()> {
    write_response(
        stream,
        status,
        &[],
        "application/json",
        body.to_string().as_bytes(),
    )
}

fn handle(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    let request = read_request(&stream)?;
    let path = request.path.clone();
    if !path.starts_with("/__") {
        record(shared, &request);
    }
    let origin = format!("http://{}", request.header("host").unwrap_or("127.0.0.1"));
    match (request.method.as_str(), path.as_str()) {
        ("GET", "/__requests") => {
            let log = shared.requests.lock().map(|l| Value::Array(l.clone()));
            json_response(&mut stream, 200, &log.unwrap_or(Value::Null))
        }
        ("DELETE", "/__requests") => {
            if let Ok(mut log) = shared.requests.lock() {
                log.clear();
            }
            json_response(&mut stream, 200, &json!({"ok": true}))
        }
        ("POST", "/__control") => control(&mut stream, shared, &request),
        ("GET" | "HEAD", "/robots.txt") => {
            let body = format!(
                "# Alpine Trail Outfitters\nUser-agent: *\nDisallow: /account/\nDisallow: /search\nCrawl-delay: {}\n\nSitemap: {origin}/sitemap.xml\n",
                shared.crawl_delay
            );
            write_response(&mut stream, 200, &[], "text/plain", body.as_bytes())
        }
        ("GET", "/sitemap.xml") => xml(
            &mut stream,
            &index(
                &origin,
                &[
                    "/sitemaps/pages.xml",
                    "/sitemaps/blog.xml.gz",
                    "/sitemaps/products.xml",
                ],
            ),
        ),
        ("GET", "/sitemaps/products.xml") => xml(
            &mut stream,
            &index(
                &origin,
                &["/sitemaps/products-1.xml", "/sitemaps/products-2.xml"],
            ),
        ),
        ("GET", "/sitemaps/pages.xml") => {
            let mut paths: Vec<String> = shared
                .pages
                .lock()
                .map(|p| {
                    p.keys()
                        .filter(|k| {
                            !k.starts_with("/products/")
                                && !k.starts_with("/blog")
                                && !k.starts_with("/account/")
                        })
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            paths.sort();
            for trap in [
                "/account/orders",
                "/loop-a",
                "/gone",
                "/lookbook",
                "/files/size-chart.pdf",
                "/partner-offer",
            ] {
                paths.push(trap.to_string());
            }
            xml(&mut stream, &urlset(&origin, &paths))
        }
        ("GET", "/sitemaps/blog.xml.gz") => {
            let body = gzip::gzip_stored(urlset(&origin, &content::blog_paths()).as_bytes());
            write_response(&mut stream, 200, &[], "application/gzip", &body)
        }
        ("GET", "/sitemaps/products-1.xml" | "/sitemaps/products-2.xml") => {
            let all = content::product_paths();
            let half = all.len() / 2;
            let part = if path.ends_with("-1.xml") {
                &all[..half]
            } else {
                &all[half..]
            };
            let live: Vec<String> = shared
                .pages
                .lock()
                .map(|p| {
                    part.iter()
                        .filter(|k| p.contains_key(*k))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            xml(&mut stream, &urlset(&origin, &live))
        }
        ("GET", "/loop-a") => redirect(&mut stream, "/loop-b"),
        // A redirect to an internal address (cloud metadata): the crawler must not follow it.
        ("GET", "/partner-offer") => {
            redirect(&mut stream, "http://169.254.169.254/latest/meta-data/")
        }
        ("GET", "/loop-b") => redirect(&mut stream, &format!("{origin}/loop-a")),
        ("GET", "/lookbook") => {
            let mut body =
                String::from("<!doctype html><title>Lookbook</title><main><h1>Lookbook</h1>");
            while body.len() < 5 * 1024 * 1024 {
                body.push_str("<p>Photo gallery of this season's outfits on the Nordkette ridge at sunrise.</p>\n");
            }
            write_response(
                &mut stream,
                200,
                &[],
                "text/html; charset=utf-8",
                body.as_bytes(),
            )
        }
        ("GET", "/files/size-chart.pdf") => {
            let body = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
            write_response(&mut stream, 200, &[], "application/pdf", body)
        }
        ("GET" | "HEAD", _) => {
            let found = shared.pages.lock().ok().and_then(|p| p.get(&path).cloned());
            match found {
                Some(page) => serve_page(&mut stream, shared, &request, &page),
                None => write_response(
                    &mut stream,
                    404,
                    &[],
                    "text/html",
                    b"<!doctype html><title>Not found</title><h1>Page not found</h1>",
                ),
            }
        }
        _ => json_response(&mut stream, 405, &json!({"error": "method not allowed"})),
    }
}

fn serve_page(
    stream: &mut TcpStream,
    shared: &Shared,
    request: &Request,
    page: &content::Page,
) -> io::Result<()> {
    let body = content::render(page);
    let etag = format!("\"{:016x}\"", fnv1a(body.as_bytes()));
    let changed = shared
        .changed
        .lock()
        .map(|c| c.contains(&page.path))
        .unwrap_or(false);
    let modified = if changed {
        CHANGED_MODIFIED
    } else {
        BASE_MODIFIED
    };
    let headers = [("ETag", etag.as_str()), ("Last-Modified", modified)];
    let etag_matches = request
        .header("if-none-match")
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let since_matches = request.header("if-none-match").is_none()
        && request.header("if-modified-since") == Some(modified);
    if etag_matches || since_matches {
        return write_response(stream, 304, &headers, "text/html; charset=utf-8", b"");
    }
    write_response(
        stream,
        200,
        &headers,
        "text/html; charset=utf-8",
        body.as_bytes(),
    )
}

fn control(stream: &mut TcpStream, shared: &Shared, request: &Request) -> io::Result<()> {
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return json_response(stream, 400, &json!({"error": "body must be JSON"}));
    };
    let path = body["path"].as_str().unwrap_or_default().to_string();
    let (Ok(mut pages), Ok(mut changed)) = (shared.pages.lock(), shared.changed.lock()) else {
        return json_response(stream, 500, &json!({"error": "poisoned"}));
    };
    match body["op"].as_str() {
        Some("reset") => {
            *pages = fresh_pages();
            changed.clear();
        }
        Some("remove") if pages.remove(&path).is_some() => {}
        Some("set") => {
            let main = body["main"].as_str().unwrap_or_default().to_string();
            let title = body["title"].as_str().map(str::to_string);
            let entry = pages.entry(path.clone()).or_insert_with(|| content::Page {
                path: path.clone(),
                title: path.clone(),
                main: String::new(),
                jsonld: Vec::new(),
            });
            entry.main = main;
            if let Some(title) = title {
                entry.title = title;
            }
            changed.push(path);
        }
        _ => {
            return json_response(
                stream,
                400,
                &json!({"error": "op must be set, remove (of a known path) or reset"}),
            )
        }
    }
    json_response(stream, 200, &json!({"ok": true, "pages": pages.len()}))
}

fn record(shared: &Shared, request: &Request) {
    let entry = json!({
        "method": request.method,
        "path": request.path,
        "user_agent": request.header("user-agent"),
        "if_none_match": request.header("if-none-match"),
        "if_modified_since": request.header("if-modified-since"),
    });
    if let Ok(mut log) = shared.requests.lock() {
        log.push(entry);
    }
}

fn redirect(stream: &mut TcpStream, to: &str) -> io::Result<()> {
    write_response(stream, 302, &[("Location", to)], "text/plain", b"")
}

fn xml(stream: &mut TcpStream, body: &str) -> io::Result<()> {
    write_response(stream, 200, &[], "application/xml", body.as_bytes())
}

fn index(origin: &str, children: &[&str]) -> String {
    let items: String = children
        .iter()
        .map(|c| format!("<sitemap><loc>{origin}{c}</loc></sitemap>"))
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">{items}</sitemapindex>")
}

fn urlset(origin: &str, paths: &[String]) -> String {
    let items: String = paths
        .iter()
        .map(|p| format!("<url><loc>{origin}{p}</loc><lastmod>2026-11-02</lastmod></url>\n"))
        .collect();
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{items}</urlset>")
}

/// FNV-1a: a stable ETag without a hashing dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_site_has_at_least_sixty_html_pages_with_unique_paths() {
        let pages = content::pages();
        let public = pages
            .iter()
            .filter(|p| !p.path.starts_with("/account/"))
            .count();
        assert!(public >= 60, "{public} public pages");
        let mut paths: Vec<&str> = pages.iter().map(|p| p.path.as_str()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), pages.len());
    }

    #[test]
    fn every_page_carries_the_chrome_the_crawler_must_strip() {
        for page in content::pages() {
            let html = content::render(&page);
            for chrome in ["<nav>", "cookie-banner", "<footer>", "<script>"] {
                assert!(html.contains(chrome), "{} lacks {chrome}", page.path);
            }
        }
    }
}
