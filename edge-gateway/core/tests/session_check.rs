//! The one authentication step every session-token route shares: a token that verified is
//! still refused when its key was retired, its site is no longer allowed, the tenant now
//! requires identity, or (on chat) consent is missing — on every route alike.

use shopkeep_gateway_core::keyring::KeyRing;
use shopkeep_gateway_core::session_check::{check, Presented, TokenRoute};
use shopkeep_gateway_core::session_token::{KeyPurpose, SessionClaims};
use shopkeep_gateway_core::tenant::TenantConfig;
use shopkeep_protocol::ErrorCode;

const NOW: u64 = 1_800_000_000_000;
const SITE: &str = "https://shop.example";
const ROUTES: [TokenRoute; 6] = [
    TokenRoute::Chat,
    TokenRoute::Consent,
    TokenRoute::Feedback,
    TokenRoute::History,
    TokenRoute::Export,
    TokenRoute::Erase,
];

fn config() -> TenantConfig {
    let mut config: TenantConfig = serde_json::from_value(serde_json::json!({
        "tenant_id": "acme",
        "name": "Acme",
        "allowed_origins": [SITE],
    }))
    .expect("a minimal config parses");
    config.privacy.consent_required = false;
    config
}

fn claims() -> SessionClaims {
    SessionClaims {
        tenant_id: "acme".into(),
        session_id: "s_1".into(),
        conversation_id: "c_1".into(),
        origin: SITE.into(),
        user_id: None,
        email_digest: None,
        consent: false,
        issued_at_ms: NOW - 1000,
        expires_at_ms: NOW + 1000,
    }
}

fn verdict(
    route: TokenRoute,
    claims: &SessionClaims,
    config: &TenantConfig,
    keys: &KeyRing,
) -> Result<(), ErrorCode> {
    let kid = keys
        .current(KeyPurpose::Session, 0)
        .map(|k| k.kid.clone())
        .unwrap_or_default();
    check(
        route,
        Presented {
            claims,
            kid: &kid,
            request_origin: Some(SITE),
        },
        config,
        keys,
        NOW,
    )
    .map_err(|e| e.error_code())
}

#[test]
fn a_valid_token_passes_every_route() {
    let keys = KeyRing::initial(0);
    for route in ROUTES {
        assert_eq!(
            verdict(route, &claims(), &config(), &keys),
            Ok(()),
            "{route:?}"
        );
    }
}

#[test]
fn retired_session_kid_accepted_is_refused_on_every_route() {
    let mut keys = KeyRing::initial(0);
    keys.rotate(KeyPurpose::Session, NOW - 10, 0)
        .expect("rotates");
    // The token was signed with the first session kid, retired at once.
    let first = KeyRing::initial(0);
    for route in ROUTES {
        let kid = first.current(KeyPurpose::Session, 0).unwrap().kid.clone();
        let result = check(
            route,
            Presented {
                claims: &claims(),
                kid: &kid,
                request_origin: Some(SITE),
            },
            &config(),
            &keys,
            NOW,
        );
        assert_eq!(
            result.map_err(|e| e.error_code()),
            Err(ErrorCode::Unauthorized),
            "{route:?}"
        );
    }
}

#[test]
fn origin_no_longer_allowed_is_refused_on_every_route() {
    let mut config = config();
    config.allowed_origins = vec!["https://other.example".into()];
    for route in ROUTES {
        let result = verdict(route, &claims(), &config, &KeyRing::initial(0));
        assert_eq!(result, Err(ErrorCode::OriginNotAllowed), "{route:?}");
    }
}

#[test]
fn identity_required_ignored_is_refused_on_every_route_for_anonymous_tokens() {
    let mut config = config();
    config.privacy.identity_required = true;
    for route in ROUTES {
        let result = verdict(route, &claims(), &config, &KeyRing::initial(0));
        assert_eq!(result, Err(ErrorCode::IdentityRequired), "{route:?}");
        let mut identified = claims();
        identified.user_id = Some("cust_1".into());
        assert_eq!(
            verdict(route, &identified, &config, &KeyRing::initial(0)),
            Ok(())
        );
    }
}

#[test]
fn consent_gates_only_new_messages() {
    let mut config = config();
    config.privacy.consent_required = true;
    for route in ROUTES {
        let expected = if route == TokenRoute::Chat {
            Err(ErrorCode::ConsentRequired)
        } else {
            Ok(())
        };
        assert_eq!(
            verdict(route, &claims(), &config, &KeyRing::initial(0)),
            expected,
            "{route:?}"
        );
    }
}

#[test]
fn a_token_of_another_tenant_or_site_is_refused() {
    let mut other = claims();
    other.tenant_id = "globex".into();
    assert_eq!(
        verdict(TokenRoute::History, &other, &config(), &KeyRing::initial(0)),
        Err(ErrorCode::Unauthorized)
    );
    let keys = KeyRing::initial(0);
    let kid = keys.current(KeyPurpose::Session, 0).unwrap().kid.clone();
    for (route, origin) in [
        (TokenRoute::Chat, None),
        (TokenRoute::Export, Some("https://evil.example")),
    ] {
        let result = check(
            route,
            Presented {
                claims: &claims(),
                kid: &kid,
                request_origin: origin,
            },
            &config(),
            &keys,
            NOW,
        );
        assert_eq!(
            result.map_err(|e| e.error_code()),
            Err(ErrorCode::Unauthorized)
        );
    }
    // A read may come without an Origin header (a GET), never from another site.
    let read = check(
        TokenRoute::History,
        Presented {
            claims: &claims(),
            kid: &kid,
            request_origin: None,
        },
        &config(),
        &keys,
        NOW,
    );
    assert!(read.is_ok());
}
