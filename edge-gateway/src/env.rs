//! Reading configuration, secrets, time and randomness from the platform.

use shopkeep_gateway_core::Error;
use wasm_bindgen::JsCast;
use worker::Env;

/// A secret (or, in local runs started with `--var`, a plain var). Missing secrets are an
/// internal error: the gateway is misconfigured, and the message names the variable only.
pub(crate) fn secret(env: &Env, name: &str) -> Result<String, Error> {
    let value = env
        .secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .map_err(|_| Error::Internal(format!("{name} is not configured")))?;
    if value.len() < 16 {
        return Err(Error::Internal(format!(
            "{name} is shorter than 16 characters"
        )));
    }
    Ok(value)
}

/// A plain var, empty when unset.
pub(crate) fn var(env: &Env, name: &str) -> String {
    env.var(name).map(|v| v.to_string()).unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// Bytes from `crypto.getRandomValues`.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    let fail = |_| Error::Internal("crypto.getRandomValues is unavailable".into());
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).map_err(fail)?;
    let get = js_sys::Reflect::get(&crypto, &"getRandomValues".into())
        .map_err(fail)?
        .dyn_into::<js_sys::Function>()
        .map_err(fail)?;
    let array = js_sys::Uint8Array::new_with_length(N as u32);
    get.call1(&crypto, &array).map_err(fail)?;
    let mut out = [0u8; N];
    array.copy_to(&mut out);
    Ok(out)
}

/// A random number in `[0, 1)` for backoff jitter.
pub(crate) fn jitter() -> f64 {
    js_sys::Math::random()
}

/// Whether tenant-given URLs may point at loopback/private addresses over http: only for
/// local development and tests (`ALLOW_PRIVATE_FETCH=1`, set by `cargo xtask dev`/`test`).
pub(crate) fn allow_private_fetch(env: &Env) -> bool {
    var(env, "ALLOW_PRIVATE_FETCH") == "1"
}
