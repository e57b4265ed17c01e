//! Building responses (JSON, errors, CORS) and reading bodies.

use futures::StreamExt;
use serde::Serialize;
use shopkeep_gateway_core::cors::{self, ALLOW_HEADERS, EXPOSE_HEADERS, PREFLIGHT_MAX_AGE_S};
use shopkeep_gateway_core::requests::BodyLimit;
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Headers, Request, Response, ResponseBody};

fn internal(what: &str) -> impl Fn(worker::Error) -> Error + '_ {
    move |e| Error::Internal(format!("{what}: {e}"))
}

/// Response headers for an origin the tenant allows (or that an error may be shown to).
pub(crate) fn cors_headers(headers: &Headers, origin: Option<&str>) -> Result<(), Error> {
    let set = |k: &str, v: &str| headers.set(k, v).map_err(internal("set header"));
    set("Vary", "Origin")?;
    if let Some(origin) = origin.and_then(cors::normalize_origin) {
        set("Access-Control-Allow-Origin", &origin)?;
        set("Access-Control-Expose-Headers", EXPOSE_HEADERS)?;
    }
    Ok(())
}

/// A JSON response; `allowed_origin` is an origin already checked against the tenant.
pub(crate) fn json_response<T: Serialize>(
    status: u16,
    body: &T,
    allowed_origin: Option<&str>,
) -> Result<Response, Error> {
    let json = serde_json::to_string(body).map_err(|e| Error::Internal(format!("encode: {e}")))?;
    let headers = Headers::new();
    headers
        .set("Content-Type", "application/json; charset=utf-8")
        .map_err(internal("set header"))?;
    headers
        .set("Cache-Control", "no-store")
        .map_err(internal("set header"))?;
    cors_headers(&headers, allowed_origin)?;
    Ok(Response::ok(json)
        .map_err(internal("response"))?
        .with_status(status)
        .with_headers(headers))
}

/// The one place an [`Error`] becomes a response: status and fixed public body from the
/// core, plus `Retry-After` and `Allow` where they apply. Errors may be read by any valid
/// origin so the widget can explain a refusal; they carry no tenant data.
pub(crate) fn error_response(
    err: &Error,
    origin: Option<&str>,
    allow: Option<&str>,
) -> worker::Result<Response> {
    let (status, body) = err.public();
    let json = serde_json::to_string(&body).unwrap_or_else(|_| String::from("{}"));
    let headers = Headers::new();
    headers.set("Content-Type", "application/json; charset=utf-8")?;
    headers.set("Cache-Control", "no-store")?;
    if let Some(s) = err.retry_after_s() {
        headers.set("Retry-After", &s.to_string())?;
    }
    for (name, value) in err.rate_limit_headers().into_iter().flatten() {
        headers.set(name, &value)?;
    }
    if err.error_code() == ErrorCode::MethodNotAllowed {
        if let Some(allow) = allow {
            headers.set("Allow", allow)?;
        }
    }
    cors_headers(&headers, origin).map_err(|e| worker::Error::RustError(e.to_string()))?;
    Ok(Response::ok(json)?
        .with_status(status)
        .with_headers(headers))
}

/// CORS preflight. Answered for any well-formed origin: the actual request is then checked
/// against the tenant's allowed origins (its tenant is not known from a preflight, which
/// carries neither body nor token).
pub(crate) fn preflight(origin: Option<&str>) -> Result<Response, Error> {
    let origin = origin
        .and_then(cors::normalize_origin)
        .ok_or_else(|| Error::code(ErrorCode::OriginNotAllowed))?;
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(internal("set header"));
    set("Access-Control-Allow-Origin", &origin)?;
    set(
        "Access-Control-Allow-Methods",
        "GET, POST, PUT, DELETE, OPTIONS",
    )?;
    set("Access-Control-Allow-Headers", ALLOW_HEADERS)?;
    set("Access-Control-Max-Age", &PREFLIGHT_MAX_AGE_S.to_string())?;
    set("Vary", "Origin")?;
    Ok(Response::empty()
        .map_err(internal("response"))?
        .with_status(204)
        .with_headers(headers))
}

/// Reads a body of at most `limit` bytes, refusing non-JSON content types. The body is read
/// as a stream and refused (413) as soon as it passes `limit` bytes: the rest is never read,
/// whether or not a `Content-Length` was declared.
pub(crate) async fn read_json_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, Error> {
    let content_type = req
        .headers()
        .get("Content-Type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(Error::code(ErrorCode::UnsupportedMediaType));
    }
    read_body(req, limit).await
}

/// Reads a body of at most `limit` bytes whatever its content type (the caller checks it),
/// refused (413) as soon as it passes `limit`.
pub(crate) async fn read_body(req: &mut Request, limit: usize) -> Result<Vec<u8>, Error> {
    let mut body = BodyLimit::new(limit);
    let declared = header(req, "Content-Length");
    body.check_declared(declared.as_deref())?;
    if req.inner().body().is_none() {
        return Ok(body.finish());
    }
    let unreadable = |_| Error::bad_request("The request body could not be read.");
    // A declared length within the limit (checked above) bounds the body (the runtime ends
    // a request body at its Content-Length): read it in one call instead of chunk by chunk.
    if declared.is_some_and(|l| l.trim().parse::<u64>().is_ok()) {
        body.push(&req.bytes().await.map_err(unreadable)?)?;
        return Ok(body.finish());
    }
    let mut chunks = req.stream().map_err(unreadable)?;
    while let Some(chunk) = chunks.next().await {
        body.push(&chunk.map_err(unreadable)?)?;
    }
    Ok(body.finish())
}

/// Why a shop's answer body was not read ([`read_capped`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyFault {
    /// The connection failed while reading.
    Unreadable,
    /// Longer than the limit (declared, or counted as it arrived).
    TooLarge,
}

/// Reads the body of an outbound fetch's answer (a shop's page, an order API's answer),
/// refusing it as soon as it passes `limit` bytes: a declared `Content-Length` over the limit
/// before anything is read, else counted chunk by chunk as it arrives — a hostile or broken
/// server never makes the gateway buffer more than `limit` bytes.
pub(crate) async fn read_capped(
    response: &mut Response,
    limit: usize,
) -> Result<Vec<u8>, BodyFault> {
    let mut body = BodyLimit::new(limit);
    let declared = response.headers().get("Content-Length").ok().flatten();
    body.check_declared(declared.as_deref())
        .map_err(|_| BodyFault::TooLarge)?;
    // A body-less answer (204, 304, HEAD) has no stream to read.
    if !matches!(response.body(), ResponseBody::Stream(_)) {
        return Ok(body.finish());
    }
    let mut chunks = response.stream().map_err(|_| BodyFault::Unreadable)?;
    while let Some(chunk) = chunks.next().await {
        body.push(&chunk.map_err(|_| BodyFault::Unreadable)?)
            .map_err(|_| BodyFault::TooLarge)?;
    }
    Ok(body.finish())
}

/// A header's value, if present.
pub(crate) fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}
