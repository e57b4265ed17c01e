//! Widget and admin request bodies: decoding any bytes as a chat request, a session request or
//! a tenant config (then validating it) never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shopkeep_gateway_core::requests::{
    check_chat_request, decode_json, MAX_ADMIN_BODY_BYTES, MAX_WIDGET_BODY_BYTES,
};
use shopkeep_gateway_core::tenant::{self, TenantConfig};
use shopkeep_protocol::{ChatRequest, CreateSessionRequest};

fuzz_target!(|data: &[u8]| {
    if let Ok(chat) = decode_json::<ChatRequest>(data, MAX_WIDGET_BODY_BYTES) {
        let _ = check_chat_request(&chat);
    }
    let _ = decode_json::<CreateSessionRequest>(data, MAX_WIDGET_BODY_BYTES);
    if let Ok(config) = decode_json::<TenantConfig>(data, MAX_ADMIN_BODY_BYTES) {
        let _ = tenant::validate(&config, "demo");
        let _ = tenant::validate(&config, &config.tenant_id);
    }
});
