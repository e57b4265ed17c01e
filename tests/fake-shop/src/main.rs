//! The fake shop's binary.
//!
//! ```text
//! shopkeep-fake-shop [--port 0] [--host 127.0.0.1] [--products 2400]
//!                    [--shopify-token T] [--storefront-token T] [--woo-key K] [--woo-secret S]
//! shopkeep-fake-shop --eval [--products 2400]     # prints tests/eval/catalog-questions.json
//! ```
//!
//! The first stdout line is `listening on http://127.0.0.1:<port>` (as the fake upstream's), so
//! xtask finds the port. Routes are listed in tests/fake-shop/README.md.

use std::io::{self, Write};
use std::net::TcpListener;
use std::sync::Arc;

use shopkeep_fake_shop::catalog::{self, DEFAULT_PRODUCTS, SEED};
use shopkeep_fake_shop::server;
use shopkeep_fake_shop::shop::{Credentials, Shop};

const USAGE: &str = "usage: shopkeep-fake-shop [--port N] [--host ADDR] [--products N] \
[--shopify-token T] [--storefront-token T] [--woo-key K] [--woo-secret S] | --eval [--products N]";

#[derive(Debug)]
struct Options {
    host: String,
    port: u16,
    products: usize,
    eval: bool,
    credentials: Credentials,
}

fn parse_options(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        port: 0,
        products: DEFAULT_PRODUCTS,
        eval: false,
        credentials: Credentials::default(),
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--help" | "-h" => return Err(USAGE.into()),
            "--eval" => {
                options.eval = true;
                continue;
            }
            _ => {}
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |_| format!("bad value for {flag}: {value}");
        match flag.as_str() {
            "--port" => options.port = value.parse().map_err(bad)?,
            "--host" => options.host = value.clone(),
            "--products" => {
                options.products = value.parse().map_err(bad)?;
                if !(1..=100_000).contains(&options.products) {
                    return Err("--products must be 1..100000".into());
                }
            }
            "--shopify-token" => options.credentials.shopify_token = value,
            "--storefront-token" => options.credentials.storefront_token = value,
            "--woo-key" => options.credentials.woo_key = value,
            "--woo-secret" => options.credentials.woo_secret = value,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(options)
}

fn main() {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let catalog = catalog::generate(SEED, options.products);
    if options.eval {
        let set = shopkeep_fake_shop::eval::eval_set(&catalog, SEED);
        let text = serde_json::to_string_pretty(&set).unwrap_or_default();
        println!("{text}");
        return;
    }
    let listener = match TcpListener::bind((options.host.as_str(), options.port)) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {}:{}: {err}", options.host, options.port);
            std::process::exit(1);
        }
    };
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .unwrap_or(options.port);
    println!("listening on http://{}:{port}", options.host);
    println!("{} products", catalog.products.len());
    let _ = io::stdout().flush();

    let shop = Arc::new(Shop::new(catalog, options.credentials));
    server::serve_forever(listener, shop);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn defaults_and_flags() {
        let options = parse_options(args(&[])).unwrap();
        assert_eq!(
            (options.port, options.products, options.eval),
            (0, 2_400, false)
        );
        let options = parse_options(args(&["--products", "10000", "--eval"])).unwrap();
        assert_eq!((options.products, options.eval), (10_000, true));
        assert!(parse_options(args(&["--products", "0"])).is_err());
        assert!(parse_options(args(&["--port"])).is_err());
        assert!(parse_options(args(&["--colour", "red"])).is_err());
    }
}
