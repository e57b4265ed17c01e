//! `cargo xtask tenant create|show|rotate-key|snippet`: the operator's commands over the
//! platform API (authorised by `PLATFORM_SECRET`) and the admin API (signed with a tenant's
//! admin key via `shopkeep_gateway_core::admin_auth::sign`). See docs/API.md.
//!
//! Secrets come from the environment or `.dev.vars` and are never printed; the keys the
//! gateway creates are printed once, by `create` and `rotate-key`, for the operator to store.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use shopkeep_gateway_core::admin_auth;
use shopkeep_gateway_core::retention::{day_string, DAY_MS};
use shopkeep_gateway_core::routes::valid_tenant_id;

use crate::error::{fail, Error, IoContext, Result};
use crate::harness::demo_tenant;
use crate::http::{self, Response};
use crate::paths::Paths;
use crate::setup::parse_dev_var;
use crate::take_value;

/// The gateway `cargo xtask dev` serves by default.
pub(crate) const DEFAULT_GATEWAY: &str = "http://127.0.0.1:8787";

pub(crate) const USAGE: &str = "\
usage: cargo xtask tenant <command> <tenant-id> [options]

commands:
  create <id> [--file tenant.json] [--origin https://shop.example]... [--name NAME]
                 create a tenant (from demo-site/tenants/demo.json without --file) and print
                 its first admin and identity keys once
  show <id>      config version and live key ids
  rotate-key <id> --purpose admin|identity|session [--grace-seconds N]
                 [--kid KID --secret-hex HEX]
                 add a key; older keys of that purpose verify until the grace period ends
  snippet <id>   the embed snippet to paste into the shop's pages

options:
  --gateway URL  the gateway (default $SHOPKEEP_GATEWAY or http://127.0.0.1:8787)

secrets: PLATFORM_SECRET (create, show) from the environment or .dev.vars; the admin key for
rotate-key from --kid/--secret-hex or SHOPKEEP_ADMIN_KID/SHOPKEEP_ADMIN_SECRET.";

/// A parsed `tenant` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TenantArgs {
    /// Base URL of the gateway, without a trailing `/`.
    pub(crate) gateway: String,
    /// The tenant.
    pub(crate) tenant_id: String,
    /// What to do.
    pub(crate) command: Command,
}

/// What to do with the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    /// Create it with the platform API.
    Create {
        /// A whole tenant config; `None`: the demo tenant as a template.
        file: Option<PathBuf>,
        /// `--origin`s, in order (replace the file's or template's).
        origins: Vec<String>,
        /// Display name (template only; default: the id).
        name: Option<String>,
    },
    /// Show its config version and live keys.
    Show,
    /// Rotate one of its keys with the admin API.
    RotateKey {
        /// `admin`, `identity` or `session`.
        purpose: String,
        /// How long older keys keep verifying (gateway default: 7 days).
        grace_seconds: Option<u64>,
        /// Admin key id (else `SHOPKEEP_ADMIN_KID`).
        kid: Option<String>,
        /// Admin key secret in hex (else `SHOPKEEP_ADMIN_SECRET`).
        secret_hex: Option<String>,
    },
    /// Print the embed snippet.
    Snippet,
}

/// Parses `tenant …` arguments (after the word `tenant`). `env_gateway` is
/// `$SHOPKEEP_GATEWAY`, passed in so tests do not touch the environment.
pub(crate) fn parse(mut args: Vec<String>, env_gateway: Option<String>) -> Result<TenantArgs> {
    let gateway = take_value(&mut args, "--gateway")?
        .or(env_gateway)
        .unwrap_or_else(|| DEFAULT_GATEWAY.to_owned())
        .trim_end_matches('/')
        .to_owned();
    if !gateway.starts_with("http://") {
        return fail(format!(
            "--gateway must be an http:// URL (xtask's client speaks plain HTTP): {gateway}"
        ));
    }
    let command = match args.first().map(String::as_str) {
        None => return fail(format!("missing tenant command\n\n{USAGE}")),
        Some("create") => {
            let file = take_value(&mut args, "--file")?.map(PathBuf::from);
            let name = take_value(&mut args, "--name")?;
            let mut origins = Vec::new();
            while let Some(origin) = take_value(&mut args, "--origin")? {
                origins.push(origin);
            }
            Command::Create {
                file,
                origins,
                name,
            }
        }
        Some("show") => Command::Show,
        Some("snippet") => Command::Snippet,
        Some("rotate-key") => {
            let Some(purpose) = take_value(&mut args, "--purpose")? else {
                return fail("rotate-key needs --purpose admin|identity|session");
            };
            if !matches!(purpose.as_str(), "admin" | "identity" | "session") {
                return fail(format!(
                    "--purpose must be admin, identity or session, not `{purpose}`"
                ));
            }
            let grace_seconds = match take_value(&mut args, "--grace-seconds")? {
                None => None,
                Some(text) => Some(text.parse().or_else(|_| {
                    fail(format!("--grace-seconds: not a number of seconds: {text}"))
                })?),
            };
            Command::RotateKey {
                purpose,
                grace_seconds,
                kid: take_value(&mut args, "--kid")?,
                secret_hex: take_value(&mut args, "--secret-hex")?,
            }
        }
        Some(other) => return fail(format!("unknown tenant command `{other}`\n\n{USAGE}")),
    };
    args.remove(0);
    let Some(tenant_id) = args.first().cloned() else {
        return fail(format!("missing tenant id\n\n{USAGE}"));
    };
    if tenant_id.starts_with("--") {
        return fail(format!("unknown option `{tenant_id}`\n\n{USAGE}"));
    }
    if !valid_tenant_id(&tenant_id) {
        return fail(format!(
            "`{tenant_id}` is not a tenant id: 2–64 of a-z, 0-9 and `-`, starting with a letter"
        ));
    }
    if let Some(extra) = args.get(1) {
        return fail(format!("unexpected argument `{extra}`\n\n{USAGE}"));
    }
    Ok(TenantArgs {
        gateway,
        tenant_id,
        command,
    })
}

/// Runs a parsed command.
pub(crate) fn tenant(paths: &Paths, args: &TenantArgs) -> Result<()> {
    let TenantArgs {
        gateway,
        tenant_id,
        command,
    } = args;
    match command {
        Command::Snippet => {
            println!("{}", snippet(gateway, tenant_id));
            Ok(())
        }
        Command::Show => show(paths, gateway, tenant_id),
        Command::Create {
            file,
            origins,
            name,
        } => create(paths, gateway, tenant_id, file.as_deref(), origins, name),
        Command::RotateKey {
            purpose,
            grace_seconds,
            kid,
            secret_hex,
        } => {
            let kid = kid
                .clone()
                .or_else(|| env("SHOPKEEP_ADMIN_KID"))
                .ok_or_else(|| {
                    Error::Other(
                        "rotate-key needs the admin key id: --kid or SHOPKEEP_ADMIN_KID".into(),
                    )
                })?;
            let secret = secret_hex
                .clone()
                .or_else(|| env("SHOPKEEP_ADMIN_SECRET"))
                .ok_or_else(|| Error::Other("rotate-key needs the admin key secret: --secret-hex or SHOPKEEP_ADMIN_SECRET".into()))?;
            let key = parse_hex_key(&secret)?;
            rotate_key(gateway, tenant_id, purpose, *grace_seconds, &kid, &key)
        }
    }
}

/// The line a shop pastes into its pages.
pub(crate) fn snippet(gateway: &str, tenant_id: &str) -> String {
    format!(r#"<script async src="{gateway}/embed.js" data-tenant="{tenant_id}"></script>"#)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// `PLATFORM_SECRET` from the environment, else from `.dev.vars`.
fn platform_secret(paths: &Paths) -> Result<String> {
    let dev_vars = std::fs::read_to_string(paths.at(".dev.vars")).ok();
    platform_secret_from(env("PLATFORM_SECRET"), dev_vars.as_deref())
}

/// The environment's value wins over the `.dev.vars` text's; neither → how to get one.
fn platform_secret_from(env_value: Option<String>, dev_vars: Option<&str>) -> Result<String> {
    env_value
        .or_else(|| dev_vars.and_then(|text| parse_dev_var(text, "PLATFORM_SECRET")))
        .filter(|secret| !secret.is_empty())
        .ok_or_else(|| {
            Error::Other(
                "no PLATFORM_SECRET in the environment or .dev.vars (run `cargo xtask setup`)"
                    .into(),
            )
        })
}

/// 64 hex digits → 32 bytes.
pub(crate) fn parse_hex_key(hex: &str) -> Result<[u8; 32]> {
    let hex = hex.trim();
    let mut key = [0u8; 32];
    if hex.len() != 64 || !hex.is_ascii() {
        return fail("the admin secret must be 64 hex digits (the key's secret_hex)");
    }
    for (byte, pair) in key.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let text = std::str::from_utf8(pair).unwrap_or_default();
        *byte = u8::from_str_radix(text, 16)
            .or_else(|_| fail("the admin secret must be 64 hex digits (the key's secret_hex)"))?;
    }
    Ok(key)
}

/// Sends a request; a connection failure says how to start a gateway.
fn send(method: &str, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<Response> {
    http::request(method, url, headers, body).map_err(|err| {
        Error::Other(format!(
            "the gateway is not reachable ({err}); start one with `cargo xtask dev` \
             or point --gateway / SHOPKEEP_GATEWAY at it"
        ))
    })
}

/// The JSON body of an answer, or a clear error naming the request and the gateway's message.
fn expect_json(what: &str, response: &Response, ok: &[u16]) -> Result<Value> {
    let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
    if ok.contains(&response.status) {
        return Ok(body);
    }
    let error = &body["error"];
    let code = error["code"].as_str().unwrap_or("error");
    let fields = error["fields"].as_array().cloned().unwrap_or_default();
    let mut message = match error["message"].as_str() {
        // Field errors: one line each rather than the message's single line.
        Some(_) if !fields.is_empty() => format!("{what}: {} {code}:", response.status),
        Some(text) => format!("{what}: {} {code}: {text}", response.status),
        None => format!("{what}: status {}: {}", response.status, response.text()),
    };
    for field in &fields {
        message.push_str(&format!(
            "\n  {}: {}",
            field["field"].as_str().unwrap_or("?"),
            field["problem"].as_str().unwrap_or("?")
        ));
    }
    if response.status == 401 && what.starts_with("platform") {
        message.push_str(
            "\n(PLATFORM_SECRET from the environment or .dev.vars does not match the gateway's)",
        );
    }
    fail(message)
}

/// The tenant body for `create`: the file as given, or the demo template with the id and name
/// replaced; `origins` (when any) replace the allowed origins.
pub(crate) fn creation_body(
    template: Option<Value>,
    file_body: Option<Value>,
    tenant_id: &str,
    name: Option<&str>,
    origins: &[String],
) -> Result<Value> {
    let mut body = match (file_body, template) {
        (Some(body), _) => {
            match body["tenant_id"].as_str() {
                Some(id) if id != tenant_id => {
                    return fail(format!(
                        "the file is for tenant `{id}`, not `{tenant_id}`; fix its tenant_id"
                    ))
                }
                _ => {}
            }
            if name.is_some() {
                return fail("--name applies to the template; set `name` in the file instead");
            }
            body
        }
        (None, Some(template)) => {
            let mut body = template;
            body["name"] = Value::from(name.unwrap_or(tenant_id));
            body
        }
        (None, None) => return fail("no tenant file and no template"),
    };
    if !body.is_object() {
        return fail("the tenant file must hold a JSON object");
    }
    body["tenant_id"] = Value::from(tenant_id);
    if !origins.is_empty() {
        body["allowed_origins"] = Value::from(origins.to_vec());
    }
    Ok(body)
}

fn create(
    paths: &Paths,
    gateway: &str,
    tenant_id: &str,
    file: Option<&std::path::Path>,
    origins: &[String],
    name: &Option<String>,
) -> Result<()> {
    let secret = platform_secret(paths)?;
    let auth = format!("Bearer {secret}");
    let (file_body, template) = match file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).context(|| format!("reading {}", path.display()))?;
            let body = serde_json::from_str(&text)
                .map_err(|err| Error::Other(format!("{}: {err}", path.display())))?;
            (Some(body), None)
        }
        None => (None, Some(demo_tenant(paths)?)),
    };
    // Without --origin or a file, allow the gateway's own origin so its demo page works.
    let origins = if origins.is_empty() && file.is_none() {
        vec![gateway.to_owned()]
    } else {
        origins.to_vec()
    };
    let body = creation_body(template, file_body, tenant_id, name.as_deref(), &origins)?;

    // PUT would replace an existing tenant's config: refuse instead.
    let keys_url = format!("{gateway}/v1/platform/tenants/{tenant_id}/keys");
    let existing = send("GET", &keys_url, &[("Authorization", &auth)], b"")?;
    if existing.status == 200 {
        return fail(format!(
            "tenant `{tenant_id}` already exists; see `cargo xtask tenant show {tenant_id}` \
             (change its config with the admin API or console)"
        ));
    }
    expect_json("platform: looking the tenant up", &existing, &[200, 404])?;

    let url = format!("{gateway}/v1/platform/tenants/{tenant_id}");
    let response = send(
        "PUT",
        &url,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )?;
    let answer = expect_json("platform: creating the tenant", &response, &[200, 201])?;
    println!(
        "created tenant `{tenant_id}` (config version {})",
        answer["version"]
    );
    println!(
        "  allowed origins: {}",
        list(&body["allowed_origins"]).join(", ")
    );
    let keys = answer["keys"].as_array().cloned().unwrap_or_default();
    if keys.is_empty() {
        println!("  (the gateway returned no keys: the tenant existed already)");
    } else {
        println!();
        for key in &keys {
            print_key_with_secret(key);
        }
        println!(
            "\n  !! These secrets are printed this once. Store them now in your secret manager:\n\
             \x20    the admin key signs admin API requests (SHOPKEEP_ADMIN_KID / SHOPKEEP_ADMIN_SECRET),\n\
             \x20    the identity key signs your shoppers' identity tokens on your server.\n\
             \x20    Never put either in a web page."
        );
    }
    println!("\n  embed snippet:\n  {}", snippet(gateway, tenant_id));
    Ok(())
}

fn list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

fn print_key_with_secret(key: &Value) {
    // Session keys never leave the gateway: the API names them without a secret.
    let secret = key["secret_hex"].as_str().map_or_else(
        || String::from("(stays in the gateway)"),
        |s| format!("secret_hex {s}"),
    );
    println!(
        "  {:<9} kid {:<6} {}{}",
        key["purpose"].as_str().unwrap_or("?"),
        key["kid"].as_str().unwrap_or("?"),
        secret,
        retirement(key)
    );
}

fn retirement(key: &Value) -> String {
    key["retires_at_ms"]
        .as_u64()
        .map(|ms| {
            let minutes = ms % DAY_MS / 60_000;
            format!(
                "  (retires {} {:02}:{:02} UTC)",
                day_string(ms),
                minutes / 60,
                minutes % 60
            )
        })
        .unwrap_or_default()
}

fn show(paths: &Paths, gateway: &str, tenant_id: &str) -> Result<()> {
    let config_url = format!("{gateway}/v1/tenants/{tenant_id}/config");
    let config = expect_json(
        "public config",
        &send("GET", &config_url, &[], b"")?,
        &[200],
    )?;
    let secret = platform_secret(paths)?;
    let auth = format!("Bearer {secret}");
    let keys_url = format!("{gateway}/v1/platform/tenants/{tenant_id}/keys");
    let keys = expect_json(
        "platform: live keys",
        &send("GET", &keys_url, &[("Authorization", &auth)], b"")?,
        &[200],
    )?;
    println!("tenant `{tenant_id}` at {gateway}");
    println!("  config version: {}", config["version"]);
    if let Some(title) = config["theme"]["title"].as_str() {
        println!("  title:          {title}");
    }
    println!("  live keys (secrets not shown):");
    for key in keys["keys"].as_array().into_iter().flatten() {
        println!(
            "    {:<9} {}{}",
            key["purpose"].as_str().unwrap_or("?"),
            key["kid"].as_str().unwrap_or("?"),
            retirement(key)
        );
    }
    println!("  snippet: {}", snippet(gateway, tenant_id));
    Ok(())
}

/// The signed `POST /v1/admin/tenants/{id}/keys/rotate` request: path, body and signature
/// header at `now_s`.
pub(crate) fn rotate_request(
    tenant_id: &str,
    purpose: &str,
    grace_seconds: Option<u64>,
    kid: &str,
    key: &[u8; 32],
    now_s: u64,
) -> (String, String, String) {
    let path = format!("/v1/admin/tenants/{tenant_id}/keys/rotate");
    let mut body = json!({ "purpose": purpose });
    if let Some(grace) = grace_seconds {
        body["grace_seconds"] = Value::from(grace);
    }
    let body = body.to_string();
    let signature = admin_auth::sign(key, kid, now_s, "POST", &path, body.as_bytes());
    (path, body, signature)
}

fn rotate_key(
    gateway: &str,
    tenant_id: &str,
    purpose: &str,
    grace_seconds: Option<u64>,
    kid: &str,
    key: &[u8; 32],
) -> Result<()> {
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (path, body, signature) =
        rotate_request(tenant_id, purpose, grace_seconds, kid, key, now_s);
    let response = send(
        "POST",
        &format!("{gateway}{path}"),
        &[
            (admin_auth::HEADER, &signature),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )?;
    let answer = expect_json("admin: rotating the key", &response, &[200])?;
    let new_kid = answer["new_kid"].as_str().unwrap_or("?");
    println!("rotated the {purpose} key of `{tenant_id}`: new kid {new_kid}");
    println!("  live {purpose} keys:");
    for key in answer["keys"].as_array().into_iter().flatten() {
        let is_new = key["kid"].as_str() == Some(new_kid);
        // Session keys never leave the gateway; only admin and identity secrets are shown.
        if is_new && purpose != "session" {
            print_key_with_secret(key);
        } else {
            println!(
                "  {:<9} kid {}{}",
                purpose,
                key["kid"].as_str().unwrap_or("?"),
                retirement(key)
            );
        }
    }
    if purpose != "session" {
        println!(
            "\n  !! The new secret is printed this once. Store it now; switch your {} over to \
             kid {new_kid} before the old keys retire.",
            if purpose == "admin" {
                "admin tooling"
            } else {
                "server's identity-token signing"
            }
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn create_takes_repeated_origins_file_and_gateway() {
        let parsed = parse(
            args(&[
                "create",
                "acme",
                "--origin",
                "https://a.example",
                "--gateway",
                "http://127.0.0.1:9/",
                "--origin",
                "https://b.example",
                "--file",
                "t.json",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            parsed,
            TenantArgs {
                gateway: "http://127.0.0.1:9".into(),
                tenant_id: "acme".into(),
                command: Command::Create {
                    file: Some("t.json".into()),
                    origins: vec!["https://a.example".into(), "https://b.example".into()],
                    name: None,
                },
            }
        );
    }

    #[test]
    fn gateway_comes_from_flag_then_env_then_default() {
        let show = |list: &[&str], env: Option<&str>| {
            parse(args(list), env.map(str::to_owned)).unwrap().gateway
        };
        assert_eq!(show(&["show", "acme"], None), DEFAULT_GATEWAY);
        assert_eq!(show(&["show", "acme"], Some("http://gw:1")), "http://gw:1");
        assert_eq!(
            show(
                &["show", "acme", "--gateway", "http://x:2"],
                Some("http://gw:1")
            ),
            "http://x:2"
        );
        assert!(parse(args(&["show", "acme", "--gateway", "https://x"]), None).is_err());
    }

    #[test]
    fn rotate_key_needs_a_known_purpose_and_a_numeric_grace() {
        let parsed = parse(
            args(&[
                "rotate-key",
                "acme",
                "--purpose",
                "identity",
                "--grace-seconds",
                "60",
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            parsed.command,
            Command::RotateKey {
                purpose: "identity".into(),
                grace_seconds: Some(60),
                kid: None,
                secret_hex: None
            }
        );
        let error = |list: &[&str]| parse(args(list), None).unwrap_err().to_string();
        assert!(error(&["rotate-key", "acme"]).contains("--purpose"));
        assert!(error(&["rotate-key", "acme", "--purpose", "root"]).contains("admin, identity"));
        assert!(error(&[
            "rotate-key",
            "acme",
            "--purpose",
            "admin",
            "--grace-seconds",
            "1d"
        ])
        .contains("--grace-seconds"));
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        let error = |list: &[&str]| parse(args(list), None).unwrap_err().to_string();
        assert!(error(&[]).contains("missing tenant command"));
        assert!(error(&["delete", "acme"]).contains("unknown tenant command `delete`"));
        assert!(error(&["show"]).contains("missing tenant id"));
        assert!(error(&["show", "Acme"]).contains("is not a tenant id"));
        assert!(error(&["show", "--verbose"]).contains("unknown option"));
        assert!(error(&["show", "acme", "extra"]).contains("unexpected argument `extra`"));
        assert!(error(&["create", "acme", "--origin"]).contains("--origin needs a value"));
    }

    #[test]
    fn snippet_is_the_documented_script_tag() {
        assert_eq!(
            snippet("http://127.0.0.1:8787", "acme"),
            r#"<script async src="http://127.0.0.1:8787/embed.js" data-tenant="acme"></script>"#
        );
    }

    #[test]
    fn template_gets_id_name_and_origins_replaced() {
        let template =
            json!({"tenant_id": "demo", "name": "Demo", "allowed_origins": ["x"], "public": {}});
        let body = creation_body(
            Some(template),
            None,
            "acme",
            None,
            &["https://shop.example".into()],
        )
        .unwrap();
        assert_eq!(body["tenant_id"], "acme");
        assert_eq!(body["name"], "acme");
        assert_eq!(body["allowed_origins"], json!(["https://shop.example"]));
        assert_eq!(body["public"], json!({}));
    }

    #[test]
    fn a_file_keeps_its_fields_but_must_be_for_this_tenant() {
        let file = json!({"tenant_id": "acme", "name": "Acme", "allowed_origins": ["https://a"]});
        let body = creation_body(None, Some(file.clone()), "acme", None, &[]).unwrap();
        assert_eq!(body, file);
        assert!(creation_body(None, Some(file.clone()), "other", None, &[])
            .unwrap_err()
            .to_string()
            .contains("for tenant `acme`"));
        assert!(creation_body(None, Some(json!([1])), "acme", None, &[]).is_err());
    }

    #[test]
    fn platform_secret_comes_from_env_then_dev_vars() {
        let dev_vars =
            "# PLATFORM_SECRET=commented\nMASTER_SECRET=m\nPLATFORM_SECRET=\"from-file\"\n";
        assert_eq!(
            platform_secret_from(Some("from-env".into()), Some(dev_vars)).unwrap(),
            "from-env"
        );
        assert_eq!(
            platform_secret_from(None, Some(dev_vars)).unwrap(),
            "from-file"
        );
        let missing = platform_secret_from(None, Some("MASTER_SECRET=m\nPLATFORM_SECRET=\n"))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("cargo xtask setup"), "{missing}");
        assert!(platform_secret_from(None, None).is_err());
    }

    #[test]
    fn retirement_is_shown_in_utc() {
        assert_eq!(
            retirement(&json!({"retires_at_ms": 1_795_255_200_000u64 + 61_000})),
            "  (retires 2026-11-21 10:01 UTC)"
        );
        assert_eq!(retirement(&json!({"retires_at_ms": null})), "");
    }

    #[test]
    fn hex_keys_are_32_bytes() {
        let key = parse_hex_key(&"0f".repeat(32)).unwrap();
        assert_eq!(key, [0x0f; 32]);
        assert!(parse_hex_key("0f").is_err());
        assert!(parse_hex_key(&"zz".repeat(32)).is_err());
        assert!(parse_hex_key(&"é".repeat(32)).is_err());
    }

    #[test]
    fn rotate_requests_are_signed_over_the_exact_body() {
        let key = [7u8; 32];
        let (path, body, signature) =
            rotate_request("acme", "admin", Some(60), "a1", &key, 1_795_306_201);
        assert_eq!(path, "/v1/admin/tenants/acme/keys/rotate");
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"purpose": "admin", "grace_seconds": 60})
        );
        let header = admin_auth::parse_header(&signature).unwrap();
        assert_eq!(header.kid, "a1");
        assert!(
            admin_auth::verify(&header, &key, "POST", &path, body.as_bytes(), 1_795_306_201)
                .is_ok()
        );
    }
}
