//! Platform operations, authorised by the platform secret: creating and replacing tenants.

use crate::env::{now_ms, secret};
use crate::http::{header, json_response, read_json_body};
use crate::store::Store;
use shopkeep_gateway_core::ct::constant_time_eq;
use shopkeep_gateway_core::requests::{bearer_token, decode_json, MAX_ADMIN_BODY_BYTES};
use shopkeep_gateway_core::tenant::{validate, TenantConfig};
use shopkeep_gateway_core::Error;
use shopkeep_protocol::ErrorCode;
use worker::{Env, Request, Response};

/// `PUT /v1/platform/tenants/{id}`: validates the whole config; nothing is written unless it
/// is valid. Answers `201` for a new tenant, `200` for a new version.
pub(crate) async fn put_tenant(
    mut req: Request,
    env: &Env,
    tenant_id: &str,
) -> Result<Response, Error> {
    let platform_secret = secret(env, "PLATFORM_SECRET")?;
    let authorization = header(&req, "Authorization");
    let presented = bearer_token(authorization.as_deref())?;
    if !constant_time_eq(presented.as_bytes(), platform_secret.as_bytes()) {
        return Err(Error::downstream(
            ErrorCode::Unauthorized,
            "The platform secret is required.",
        ));
    }
    let body = read_json_body(&mut req, MAX_ADMIN_BODY_BYTES).await?;
    let config: TenantConfig = decode_json(&body, MAX_ADMIN_BODY_BYTES)?;
    if let Err(problems) = validate(&config, tenant_id) {
        let body = serde_json::json!({
            "error": {
                "code": "invalid_field",
                "message": format!("{} field(s) are invalid: {}", problems.len(),
                    problems.iter().map(|p| format!("{}: {}", p.field, p.problem)).collect::<Vec<_>>().join("; ")),
                "retryable": false,
                "fields": problems,
            }
        });
        return json_response(400, &body, None);
    }
    let version = Store::new(env)?
        .put_tenant(&config, "platform", now_ms())
        .await?;
    let status = if version == 1 { 201 } else { 200 };
    json_response(
        status,
        &serde_json::json!({"tenant_id": tenant_id, "version": version}),
        None,
    )
}
