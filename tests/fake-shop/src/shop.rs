//! The shop's state (current catalog, armed faults, request log, carts) and the router that
//! answers one request. Time is passed in; the network lives in main.rs.
//!
//! Owns: routing, applying control commands, logging requests.
//! Must not depend on: sockets or the clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{json, Value};

use crate::catalog::Catalog;
use crate::control::{self, Command, FaultKind};
use crate::http::{Request, Response};
use crate::identity::{self, IdentityKey};
use crate::pages::{self, Cart, Platform};
use crate::{feeds, orders, shopify, storefront_api, woo};

/// Credentials the order APIs accept (documented in README.md; test-only values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `X-Shopify-Access-Token` for the Admin API.
    pub shopify_token: String,
    /// `X-Shopify-Storefront-Access-Token` for the Storefront GraphQL API.
    pub storefront_token: String,
    /// WooCommerce consumer key.
    pub woo_key: String,
    /// WooCommerce consumer secret.
    pub woo_secret: String,
}

impl Default for Credentials {
    fn default() -> Self {
        Credentials {
            shopify_token: "shpat_fakeshop_0123456789abcdef".into(),
            storefront_token: "fakeshop_storefront_0123456789abcdef".into(),
            woo_key: "ck_fakeshop_0123456789abcdef".into(),
            woo_secret: "cs_fakeshop_0123456789abcdef".into(),
        }
    }
}

/// The clock of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Milliseconds since the shop started (request log).
    pub ms: u64,
    /// Unix seconds (update times of changed products).
    pub unix: u64,
}

#[derive(Debug)]
struct State {
    catalog: Arc<Catalog>,
    faults: Vec<control::Fault>,
    log: Vec<Value>,
    carts: HashMap<String, Cart>,
    next_cart: u64,
    identity: Option<IdentityKey>,
}

/// One running shop.
#[derive(Debug)]
pub struct Shop {
    credentials: Credentials,
    pristine: Arc<Catalog>,
    state: Mutex<State>,
}

const CART_COOKIE: &str = "cart";

fn cors(response: Response) -> Response {
    response.header("Access-Control-Allow-Origin", "*")
}

impl Shop {
    /// A shop selling `catalog`.
    pub fn new(catalog: Catalog, credentials: Credentials) -> Shop {
        let pristine = Arc::new(catalog);
        Shop {
            credentials,
            state: Mutex::new(State {
                catalog: Arc::clone(&pristine),
                faults: Vec::new(),
                log: Vec::new(),
                carts: HashMap::new(),
                next_cart: 1,
                identity: None,
            }),
            pristine,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panicking request thread must not take the shop down with it.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The catalog as it is now (after deletions and price changes).
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.state().catalog)
    }

    /// Answers one request.
    pub fn handle(&self, request: &Request, now: Now) -> Response {
        if request.path.starts_with("/__") {
            return self.control(request, now);
        }
        let (seq, fault) = {
            let mut state = self.state();
            let fault = control::take_fault(&mut state.faults, &request.path, &request.query);
            let seq = state.log.len();
            state.log.push(json!({
                "seq": seq, "at_ms": now.ms, "method": request.method, "path": request.path,
                "query": request.query, "status": null,
                "fault": fault.as_ref().map(|f| match f { FaultKind::Status { status, .. } => status.to_string(), FaultKind::Delay { .. } => "delay".into() }),
            }));
            (seq, fault)
        };
        let response = match fault {
            Some(FaultKind::Status {
                status,
                retry_after,
            }) => fault_response(request, status, retry_after),
            Some(FaultKind::Delay { ms }) => {
                let mut response = self.route(request, now);
                response.delay_ms = ms;
                response
            }
            None => self.route(request, now),
        };
        if let Some(entry) = self.state().log.get_mut(seq) {
            entry["status"] = json!(response.status);
        }
        response
    }

    fn route(&self, request: &Request, now: Now) -> Response {
        let catalog = self.catalog();
        let path = request.path.as_str();
        let method = request.method.as_str();
        if method == "OPTIONS" {
            return cors(Response::new(204, "text/plain", ""))
                .header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                .header("Access-Control-Allow-Headers", "*");
        }
        let base = request.base_url();
        match (method, path) {
            ("GET", "/healthz") => Response::json(200, &json!({"ok": true})),
            ("GET", "/shopify/products.json") => cors(shopify::products_page(&catalog, request)),
            // Shopify's public shop facts; the catalog sync reads the currency from it.
            ("GET", "/shopify/meta.json") => cors(Response::json(
                200,
                &json!({"id": 5_500_000, "name": "Shopkeep Outdoor (fake)", "currency": "EUR",
                        "domain": "outdoor.shopkeep.test", "country": "DE"}),
            )),
            ("GET", "/woo/wp-json/wc/store/v1/products") => {
                cors(woo::products_page(&catalog, request))
            }
            ("GET", "/merchant/feed.xml") => {
                // `?products=N`: the feed of the first N products only (a smaller shop's feed).
                let limit = request
                    .param("products")
                    .and_then(|n| n.parse::<usize>().ok());
                let body = match limit {
                    Some(n) if n < catalog.products.len() => {
                        let mut small = (*catalog).clone();
                        small.products.truncate(n);
                        feeds::merchant_feed(&small, &base)
                    }
                    _ => feeds::merchant_feed(&catalog, &base),
                };
                cors(Response::new(
                    200,
                    "application/rss+xml; charset=utf-8",
                    body,
                ))
            }
            ("GET", "/export/products.csv") => cors(Response::new(
                200,
                "text/csv; charset=utf-8",
                feeds::export_csv(&catalog, &base),
            )),
            ("GET", "/export/products.json") => {
                cors(Response::json(200, &feeds::export_json(&catalog, &base)))
            }
            ("GET", "/shopify/" | "/shopify") => {
                let login = self.login(Platform::Shopify, request, now);
                self.with_cart(request, |_, cart| {
                    pages::storefront(
                        Platform::Shopify,
                        &catalog,
                        request,
                        cart,
                        None,
                        login.as_ref(),
                    )
                })
            }
            // WordPress handles `?add-to-cart=` on any front-end URL (the shop root, a product
            // page); the fake answers each with the Woo storefront and its notice.
            ("GET", "/woo/" | "/woo") => {
                let login = self.login(Platform::Woo, request, now);
                self.woo_page(&catalog, request, login.as_ref())
            }
            ("GET", _)
                if request.param("add-to-cart").is_some()
                    && (path == "/" || path.starts_with("/woo/product/")) =>
            {
                self.woo_page(&catalog, request, None)
            }
            ("GET", "/") => pages::index(&request.base_url()),
            ("GET", "/cart.js" | "/shopify/cart.js") => self.with_cart(request, |token, cart| {
                Response::json(200, &pages::cart_js(&catalog, token, cart))
            }),
            ("POST", "/cart/add.js" | "/shopify/cart/add.js") => {
                self.with_cart(request, |_, cart| match pages::parse_add(&request.body) {
                    Err(message) => Response::json(
                        400,
                        &json!({"status": 400, "message": "Cart Error", "description": message}),
                    ),
                    Ok((lines, items)) => match pages::add_to_cart(&catalog, cart, &lines) {
                        Err(response) => response,
                        Ok(added) if items => Response::json(200, &json!({"items": added})),
                        Ok(mut added) => Response::json(200, &added.pop().unwrap_or(Value::Null)),
                    },
                })
            }
            ("GET", "/woo/wp-json/wc/store/v1/cart") => self.with_cart(request, |_, cart| {
                Response::json(200, &pages::woo_cart(&catalog, cart))
            }),
            ("GET", _) if path.starts_with("/woo/wp-json/wc/store/v1/products/") => {
                cors(woo::product(
                    &catalog,
                    request,
                    &path["/woo/wp-json/wc/store/v1/products/".len()..],
                ))
            }
            ("POST", _) if path.starts_with("/shopify/api/") && path.ends_with("/graphql.json") => {
                cors(storefront_api::graphql(
                    &catalog,
                    request,
                    &self.credentials.storefront_token,
                ))
            }
            // A customer's orders (Shopify's documented route for them): the order list
            // filtered by that customer.
            ("GET", _)
                if path.starts_with("/shopify/admin/api/2024-10/customers/")
                    && path.ends_with("/orders.json") =>
            {
                let id = &path["/shopify/admin/api/2024-10/customers/".len()
                    ..path.len() - "/orders.json".len()];
                orders::shopify_customer(&catalog, request, &self.credentials.shopify_token, id)
            }
            ("GET", _) if path.starts_with("/shopify/admin/api/2024-10/orders") => {
                let rest = &path["/shopify/admin/api/2024-10/orders".len()..];
                orders::shopify(&catalog, request, &self.credentials.shopify_token, rest)
            }
            ("GET", _) if path.starts_with("/woo/wp-json/wc/v3/orders") => {
                let rest = path["/woo/wp-json/wc/v3/orders".len()..].trim_end_matches('/');
                orders::woo(
                    &catalog,
                    request,
                    &self.credentials.woo_key,
                    &self.credentials.woo_secret,
                    rest,
                )
            }
            ("GET", _) if path.starts_with("/shopify/products/") => {
                let rest = &path["/shopify/products/".len()..];
                if rest.ends_with(".js") || rest.ends_with(".json") {
                    cors(shopify::product(&catalog, rest))
                } else {
                    match catalog.products.iter().find(|p| p.handle == rest) {
                        Some(product) => pages::product_page(Platform::Shopify, product),
                        None => not_found(request),
                    }
                }
            }
            ("GET", _) if path.starts_with("/woo/product/") => {
                let slug = path["/woo/product/".len()..].trim_end_matches('/');
                match catalog.products.iter().find(|p| p.handle == slug) {
                    Some(product) => pages::product_page(Platform::Woo, product),
                    None => not_found(request),
                }
            }
            (
                _,
                "/cart/add.js"
                | "/shopify/products.json"
                | "/woo/wp-json/wc/store/v1/products"
                | "/merchant/feed.xml",
            ) => Response::json(
                405,
                &json!({"error": format!("{method} not allowed on {path}")}),
            ),
            _ => not_found(request),
        }
    }

    /// Runs `f` on the request's cart (creating one and setting its cookie when needed).
    fn with_cart(
        &self,
        request: &Request,
        f: impl FnOnce(&str, &mut Cart) -> Response,
    ) -> Response {
        let mut state = self.state();
        let (token, fresh) = match request
            .cookie(CART_COOKIE)
            .filter(|t| state.carts.contains_key(t))
        {
            Some(token) => (token, false),
            None => {
                let token = format!("c{:06}", state.next_cart);
                state.next_cart += 1;
                (token, true)
            }
        };
        let cart = state.carts.entry(token.clone()).or_default();
        let response = f(&token, cart);
        if fresh {
            response.header(
                "Set-Cookie",
                &format!("{CART_COOKIE}={token}; Path=/; SameSite=Lax"),
            )
        } else {
            response
        }
    }

    /// `?login=<email or customer id>`: the fake login, when a test gave the shop an identity
    /// key — `(customer name, identity token)`.
    fn login(&self, platform: Platform, request: &Request, now: Now) -> Option<(String, String)> {
        let wanted = request.param("login")?;
        let key = self.state().identity.clone()?;
        let customer = orders::CUSTOMERS.iter().find(|c| {
            c.email.eq_ignore_ascii_case(&wanted)
                || c.shopify_id.to_string() == wanted
                || c.woo_id.to_string() == wanted
        })?;
        let sub = match platform {
            Platform::Shopify => customer.shopify_id,
            Platform::Woo => customer.woo_id,
        };
        Some((
            format!("{} {}", customer.first, customer.last),
            identity::token(&key, customer, sub, now.unix),
        ))
    }

    fn woo_page(
        &self,
        catalog: &Catalog,
        request: &Request,
        login: Option<&(String, String)>,
    ) -> Response {
        let Some(add) = request.param("add-to-cart") else {
            return self.with_cart(request, |_, cart| {
                pages::storefront(Platform::Woo, catalog, request, cart, None, login)
            });
        };
        let quantity: u32 = request
            .param("quantity")
            .and_then(|q| q.parse().ok())
            .filter(|q| (1..=99).contains(q))
            .unwrap_or(1);
        let id: u64 = request
            .param("variation_id")
            .or(Some(add))
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        self.with_cart(request, |_, cart| {
            let notice = match pages::find_woo_variation(catalog, id) {
                Some((product, variant)) if variant.available() => {
                    match pages::add_to_cart(catalog, cart, &[(variant.id, quantity)]) {
                        Ok(_) => format!("“{}” has been added to your cart.", product.title),
                        Err(_) => "Sorry, this product cannot be purchased.".into(),
                    }
                }
                Some((product, _)) => format!(
                    "You cannot add “{}” to the cart because the product is out of stock.",
                    product.title
                ),
                None if catalog.products.iter().any(|p| p.woo_id == id) => {
                    "Please choose product options by visiting the product page.".into()
                }
                None => "Sorry, this product cannot be purchased.".into(),
            };
            pages::storefront(Platform::Woo, catalog, request, cart, Some(&notice), login)
        })
    }

    fn control(&self, request: &Request, now: Now) -> Response {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/__requests") => Response::json(200, &Value::Array(self.state().log.clone())),
            ("DELETE", "/__requests") => {
                self.state().log.clear();
                Response::json(200, &json!({"ok": true}))
            }
            ("POST", "/__control") => match control::parse_command(&request.body) {
                Err(message) => Response::json(400, &json!({"error": message})),
                Ok(command) => match self.apply(command, now) {
                    Ok(summary) => Response::json(200, &summary),
                    Err(message) => Response::json(400, &json!({"error": message})),
                },
            },
            ("GET", "/__control") => {
                let state = self.state();
                Response::json(
                    200,
                    &json!({
                        "products": state.catalog.products.len(),
                        "armed_faults": state.faults.len(),
                        "carts": state.carts.len(),
                    }),
                )
            }
            _ => Response::json(
                404,
                &json!({"error": "control routes: GET/DELETE /__requests, GET/POST /__control"}),
            ),
        }
    }

    /// Applies a control command; unknown handles/SKUs refuse the whole command.
    fn apply(&self, command: Command, now: Now) -> Result<Value, String> {
        let mut state = self.state();
        let mut catalog: Catalog = if command.reset {
            (*self.pristine).clone()
        } else {
            (*state.catalog).clone()
        };
        for handle in &command.delete {
            let before = catalog.products.len();
            catalog.products.retain(|p| &p.handle != handle);
            if catalog.products.len() == before {
                return Err(format!("delete: no product with handle `{handle}`"));
            }
        }
        for change in &command.set_price {
            let product = catalog
                .products
                .iter_mut()
                .find(|p| p.handle == change.handle)
                .ok_or_else(|| format!("set_price: no product with handle `{}`", change.handle))?;
            for variant in &mut product.variants {
                variant.price_cents = change.price_cents;
                variant.compare_at_cents =
                    change.compare_at_cents.filter(|c| *c > change.price_cents);
            }
            product.updated_at = now.unix;
        }
        for (sku, stock) in &command.set_stock {
            let product = catalog
                .products
                .iter_mut()
                .find(|p| p.variants.iter().any(|v| &v.sku == sku))
                .ok_or_else(|| format!("set_stock: no variant with sku `{sku}`"))?;
            for variant in product.variants.iter_mut().filter(|v| &v.sku == sku) {
                variant.stock = *stock;
            }
            product.updated_at = now.unix;
        }
        if command.reset {
            state.faults.clear();
            state.log.clear();
            state.carts.clear();
            state.identity = None;
        }
        if command.identity.is_some() {
            state.identity = command.identity;
        }
        state.faults.extend(command.faults);
        state.catalog = Arc::new(catalog);
        Ok(
            json!({"ok": true, "products": state.catalog.products.len(), "armed_faults": state.faults.len()}),
        )
    }
}

fn not_found(request: &Request) -> Response {
    Response::json(
        404,
        &json!({"error": format!("no route {} {}", request.method, request.path)}),
    )
}

/// The error a real shop of that shape answers with.
fn fault_response(request: &Request, status: u16, retry_after: Option<u64>) -> Response {
    let body = if request.path.starts_with("/woo") {
        json!({"code": "fake_fault", "message": format!("Fault injected by the fake shop ({status})."), "data": {"status": status}})
    } else if status == 429 {
        json!({"errors": "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."})
    } else {
        json!({"errors": format!("Fault injected by the fake shop ({status}).")})
    };
    let response = Response::json(status, &body);
    match retry_after {
        Some(seconds) => response.header("Retry-After", &seconds.to_string()),
        None => response,
    }
}
