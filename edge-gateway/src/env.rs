//! Reading configuration, secrets, time and randomness from the platform.

use shopkeep_gateway_core::Error;
use wasm_bindgen::JsCast;
use worker::Env;

/// A secret (or, in local runs started with `--var`, a plain var). Missing secrets are an
/// internal error: the gateway is misconfigured, and the message names the variable only.
pub(crate) fn secret(env: &Env, name: &str) -> Result<String, Error> {
    // An isolate runs one deployment, whose secrets do not change under it: read each once.
    if let Some(value) = SECRETS.with(|s| s.borrow().get(name).cloned()) {
        return Ok(value);
    }
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
    SECRETS.with(|s| s.borrow_mut().insert(name.to_owned(), value.clone()));
    Ok(value)
}

thread_local! {
    /// Secrets this isolate has read (see [`secret`]).
    static SECRETS: std::cell::RefCell<std::collections::HashMap<String, String>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// A plain var, empty when unset.
pub(crate) fn var(env: &Env, name: &str) -> String {
    env.var(name).map(|v| v.to_string()).unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> u64 {
    // `Date.now()` itself: `worker::Date::now()` builds a JS `Date` object per call.
    js_sys::Date::now() as u64
}

/// Bytes fetched from `crypto.getRandomValues` per call into the pool below.
const RANDOM_POOL_BYTES: usize = 1024;

thread_local! {
    /// Unused CSPRNG bytes of this isolate, consumed from the end. A chat turn needs four
    /// 16-byte ids; one `getRandomValues` call (and its JS round trip) serves 16 turns.
    static RANDOM_POOL: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Bytes from `crypto.getRandomValues` (drawn from a per-isolate pool; every byte is used
/// once).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], Error> {
    RANDOM_POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        while pool.len() < N {
            let fresh = fetch_random(RANDOM_POOL_BYTES.max(N - pool.len()))?;
            pool.extend_from_slice(&fresh);
        }
        let mut out = [0u8; N];
        let at = pool.len() - N;
        out.copy_from_slice(&pool[at..]);
        // Used bytes are zeroed before the pool forgets them.
        pool[at..].fill(0);
        pool.truncate(at);
        Ok(out)
    })
}

fn fetch_random(len: usize) -> Result<Vec<u8>, Error> {
    let fail = |_| Error::Internal("crypto.getRandomValues is unavailable".into());
    let crypto = js_sys::Reflect::get(&js_sys::global(), &"crypto".into()).map_err(fail)?;
    let get = js_sys::Reflect::get(&crypto, &"getRandomValues".into())
        .map_err(fail)?
        .dyn_into::<js_sys::Function>()
        .map_err(fail)?;
    // getRandomValues fills at most 65,536 bytes per call.
    let array = js_sys::Uint8Array::new_with_length(len.min(65_536) as u32);
    get.call1(&crypto, &array).map_err(fail)?;
    Ok(array.to_vec())
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
