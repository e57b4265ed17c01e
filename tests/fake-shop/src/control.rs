//! Faults and catalog changes that tests order through `POST /__control`, and the request log
//! they read back from `GET /__requests`.
//!
//! Owns: parsing a control body into [`Command`]s; matching a request against armed faults.
//! Must not depend on: any shape.
//!
//! ```json
//! {"reset": true,
//!  "faults": [{"prefix": "/shopify", "status": 429, "retry_after": 2, "times": 1, "match": "page=3"},
//!             {"prefix": "/woo", "status": 500, "times": 2},
//!             {"prefix": "/merchant", "delay_ms": 800, "times": 1}],
//!  "delete": ["summit-waterproof-jacket"],
//!  "set_price": [{"handle": "basecamp-fleece", "price": "69.00", "compare_at_price": null}],
//!  "set_stock": [{"sku": "JAC-00000-M-TEAL", "stock": 0}],
//!  "identity": {"kid": "i1", "secret_hex": "…"}}
//! ```

use serde_json::Value;

/// What an armed fault does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this status (429 carries `Retry-After`).
    Status {
        /// 429, 500, 503, …
        status: u16,
        /// Seconds for `Retry-After` (429 only; default 1).
        retry_after: Option<u64>,
    },
    /// Answer normally, but only after this delay.
    Delay {
        /// Milliseconds.
        ms: u64,
    },
}

/// One armed fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// Applies to paths starting with this.
    pub prefix: String,
    /// And, when set, to targets (path + `?` + query) containing this.
    pub matches: Option<String>,
    /// What happens.
    pub kind: FaultKind,
    /// How many more requests it hits.
    pub remaining: u32,
}

/// A price change ordered by a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceChange {
    /// Product handle.
    pub handle: String,
    /// New selling price in cents (every variant).
    pub price_cents: u64,
    /// New compare-at price (None removes it).
    pub compare_at_cents: Option<u64>,
}

/// Everything one control body asks for, applied in this order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// Forget faults, carts and the request log; restore the generated catalog.
    pub reset: bool,
    /// Faults to arm.
    pub faults: Vec<Fault>,
    /// Handles to delete from now on.
    pub delete: Vec<String>,
    /// Prices to change from now on.
    pub set_price: Vec<PriceChange>,
    /// `(sku, stock)` to set from now on.
    pub set_stock: Vec<(String, u32)>,
    /// The tenant identity key the fake login signs with.
    pub identity: Option<crate::identity::IdentityKey>,
}

/// "129.99" → 12999 (at most two decimals, no sign).
pub fn parse_price(text: &str) -> Option<u64> {
    let (euros, cents) = text.split_once('.').unwrap_or((text, "0"));
    if euros.is_empty() || cents.is_empty() || cents.len() > 2 {
        return None;
    }
    let euros: u64 = euros.parse().ok()?;
    let cents: u64 = format!("{cents:0<2}").parse().ok()?;
    Some(euros * 100 + cents)
}

fn price_field(value: &Value, field: &str) -> Result<u64, String> {
    match value {
        Value::String(text) => parse_price(text),
        Value::Number(n) => n
            .as_f64()
            .filter(|f| *f >= 0.0)
            .map(|f| (f * 100.0).round() as u64),
        _ => None,
    }
    .ok_or_else(|| format!("`{field}` must be a price like \"129.99\""))
}

fn parse_fault(value: &Value) -> Result<Fault, String> {
    let prefix = value["prefix"]
        .as_str()
        .filter(|p| p.starts_with('/'))
        .ok_or("a fault needs `prefix`, a path starting with /")?
        .to_owned();
    let times = match &value["times"] {
        Value::Null => 1,
        v => v
            .as_u64()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or("`times` must be 1..10000")? as u32,
    };
    let kind = match (&value["status"], &value["delay_ms"]) {
        (Value::Null, Value::Null) => return Err("a fault needs `status` or `delay_ms`".into()),
        (status, Value::Null) => {
            let status = status
                .as_u64()
                .filter(|s| (400..=599).contains(s))
                .ok_or("`status` must be 400..599")? as u16;
            let retry_after = match &value["retry_after"] {
                Value::Null if status == 429 => Some(1),
                Value::Null => None,
                v => Some(v.as_u64().ok_or("`retry_after` must be whole seconds")?),
            };
            FaultKind::Status {
                status,
                retry_after,
            }
        }
        (Value::Null, delay) => FaultKind::Delay {
            ms: delay
                .as_u64()
                .filter(|ms| *ms <= 120_000)
                .ok_or("`delay_ms` must be 0..120000")?,
        },
        _ => return Err("a fault has `status` or `delay_ms`, not both".into()),
    };
    Ok(Fault {
        prefix,
        matches: value["match"].as_str().map(str::to_owned),
        kind,
        remaining: times,
    })
}

/// Parses a control body; the error names the field at fault.
pub fn parse_command(body: &[u8]) -> Result<Command, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|err| format!("body is not JSON: {err}"))?;
    if !value.is_object() {
        return Err("body must be a JSON object".into());
    }
    let known = [
        "reset",
        "faults",
        "delete",
        "set_price",
        "set_stock",
        "identity",
    ];
    if let Some(unknown) = value
        .as_object()
        .and_then(|o| o.keys().find(|k| !known.contains(&k.as_str())))
    {
        return Err(format!(
            "unknown field `{unknown}` (known: {})",
            known.join(", ")
        ));
    }
    let list = |field: &str| -> Result<Vec<Value>, String> {
        match &value[field] {
            Value::Null => Ok(Vec::new()),
            Value::Array(items) => Ok(items.clone()),
            _ => Err(format!("`{field}` must be an array")),
        }
    };
    let mut command = Command {
        reset: value["reset"].as_bool().unwrap_or(false),
        ..Command::default()
    };
    for fault in list("faults")? {
        command.faults.push(parse_fault(&fault)?);
    }
    for handle in list("delete")? {
        command.delete.push(
            handle
                .as_str()
                .ok_or("`delete` holds product handles")?
                .to_owned(),
        );
    }
    for change in list("set_price")? {
        command.set_price.push(PriceChange {
            handle: change["handle"]
                .as_str()
                .ok_or("`set_price[].handle` is required")?
                .to_owned(),
            price_cents: price_field(&change["price"], "price")?,
            compare_at_cents: match &change["compare_at_price"] {
                Value::Null => None,
                v => Some(price_field(v, "compare_at_price")?),
            },
        });
    }
    for stock in list("set_stock")? {
        command.set_stock.push((
            stock["sku"]
                .as_str()
                .ok_or("`set_stock[].sku` is required")?
                .to_owned(),
            stock["stock"]
                .as_u64()
                .ok_or("`set_stock[].stock` must be a whole number")? as u32,
        ));
    }
    if !value["identity"].is_null() {
        let identity = &value["identity"];
        command.identity = Some(crate::identity::IdentityKey {
            kid: identity["kid"]
                .as_str()
                .filter(|k| !k.is_empty())
                .ok_or("`identity.kid` is required")?
                .to_owned(),
            secret: identity["secret_hex"]
                .as_str()
                .and_then(crate::identity::parse_hex)
                .ok_or("`identity.secret_hex` must be 16–128 bytes of hex")?,
        });
    }
    Ok(command)
}

/// The first armed fault for this request (its count is used up).
pub fn take_fault(faults: &mut Vec<Fault>, path: &str, query: &str) -> Option<FaultKind> {
    let target = format!("{path}?{query}");
    let fault = faults.iter_mut().find(|fault| {
        fault.remaining > 0
            && path.starts_with(&fault.prefix)
            && fault
                .matches
                .as_deref()
                .is_none_or(|needle| target.contains(needle))
    })?;
    fault.remaining -= 1;
    let kind = fault.kind.clone();
    faults.retain(|fault| fault.remaining > 0);
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_strictly() {
        assert_eq!(parse_price("129.99"), Some(12_999));
        assert_eq!(parse_price("69"), Some(6_900));
        assert_eq!(parse_price("69.5"), Some(6_950));
        assert_eq!(parse_price("1.999"), None);
        assert_eq!(parse_price("-1"), None);
        assert_eq!(parse_price("abc"), None);
    }

    #[test]
    fn faults_parse_and_fire_n_times() {
        let command = parse_command(
            br#"{"faults":[{"prefix":"/shopify","status":429,"times":2,"match":"page=3"}]}"#,
        )
        .unwrap();
        let mut faults = command.faults;
        assert_eq!(
            take_fault(&mut faults, "/shopify/products.json", "page=2"),
            None
        );
        let hit = take_fault(&mut faults, "/shopify/products.json", "limit=250&page=3");
        assert_eq!(
            hit,
            Some(FaultKind::Status {
                status: 429,
                retry_after: Some(1)
            })
        );
        assert!(take_fault(&mut faults, "/shopify/products.json", "page=3").is_some());
        assert_eq!(
            take_fault(&mut faults, "/shopify/products.json", "page=3"),
            None
        );
        assert!(faults.is_empty());
    }

    #[test]
    fn bad_commands_say_why() {
        for (body, needle) in [
            (&b"[]"[..], "object"),
            (br#"{"fault":[]}"#, "unknown field `fault`"),
            (br#"{"faults":[{"status":500}]}"#, "prefix"),
            (br#"{"faults":[{"prefix":"/woo"}]}"#, "status"),
            (
                br#"{"faults":[{"prefix":"/woo","status":200}]}"#,
                "400..599",
            ),
            (
                br#"{"set_price":[{"handle":"x","price":"1.234"}]}"#,
                "price",
            ),
        ] {
            let err = parse_command(body).unwrap_err();
            assert!(err.contains(needle), "{err}");
        }
    }
}
