//! Session tokens: verifying or peeking at any string never panics and never accepts a token
//! not signed under the key; signing arbitrary claims and verifying them round-trips.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use shopkeep_gateway_core::session_token::{
    peek_kid, peek_tenant, sign, verify, verify_allowing_expired, SessionClaims, TokenError,
    MAX_TOKEN_LEN,
};

const KEY: [u8; 32] = [7; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        arbitrary_token(rest);
    } else {
        let _ = round_trip(&mut Unstructured::new(rest));
    }
});

fn arbitrary_token(bytes: &[u8]) {
    let token = String::from_utf8_lossy(bytes);
    let _ = peek_kid(&token);
    let _ = peek_tenant(&token);
    // Random bytes forging an HMAC-SHA256 would be a finding in itself.
    assert!(verify(&token, &KEY, 0).is_err());
    assert!(verify_allowing_expired(&token, &KEY, u64::MAX, u64::MAX).is_err());
}

fn round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let claims = SessionClaims {
        tenant_id: u.arbitrary()?,
        session_id: u.arbitrary()?,
        conversation_id: u.arbitrary()?,
        origin: u.arbitrary()?,
        user_id: u.arbitrary()?,
        email_digest: u.arbitrary()?,
        consent: u.arbitrary()?,
        issued_at_ms: u.arbitrary()?,
        expires_at_ms: u.arbitrary()?,
    };
    let kid: String = u.arbitrary()?;
    let key: [u8; 32] = u.arbitrary()?;
    let now: u64 = u.arbitrary()?;
    let token = sign(&claims, &kid, &key);
    let expected = if token.len() > MAX_TOKEN_LEN {
        Err(TokenError::TooLong)
    } else if claims.expires_at_ms <= now {
        Err(TokenError::Expired)
    } else {
        Ok(claims.clone())
    };
    assert_eq!(verify(&token, &key, now), expected);
    if token.len() <= MAX_TOKEN_LEN {
        assert_eq!(peek_kid(&token), Ok(kid));
        assert_eq!(peek_tenant(&token), Ok(claims.tenant_id.clone()));
        let mut other = key;
        other[0] ^= 1;
        assert_eq!(verify(&token, &other, now), Err(TokenError::BadSignature));
    }
    Ok(())
}
