//! Identity tokens: verifying or peeking at arbitrary bytes never panics and never accepts an
//! unsigned token; correctly signed arbitrary header/payload text reaches the header and claims
//! checks without panicking; signing arbitrary claims verifies unless the claims are invalid.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use sha2::Sha256;
use shopkeep_gateway_core::identity::{peek_kid, sign, verify, IdentityClaims, IdentityError};
use shopkeep_gateway_core::session_token::{derive_key, KeyPurpose};

fn key(kid: &str) -> [u8; 32] {
    derive_key(b"fuzz master secret", "demo", KeyPurpose::Identity, kid)
}

fn keys(kid: &str) -> Option<[u8; 32]> {
    matches!(kid, "i1" | "i2").then(|| key(kid))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => arbitrary_token(rest),
        1 => {
            let _ = signed_parts(&mut Unstructured::new(rest));
        }
        _ => {
            let _ = round_trip(&mut Unstructured::new(rest));
        }
    }
});

fn arbitrary_token(bytes: &[u8]) {
    let Ok(token) = std::str::from_utf8(bytes) else {
        return;
    };
    let _ = peek_kid(token);
    // Random bytes forging an HMAC-SHA256 would be a finding in itself.
    assert!(verify(token, keys, 0).is_err());
    assert!(verify(token, keys, u64::MAX).is_err());
}

/// Arbitrary header and payload text, really signed with i1's key, so the fuzzer explores
/// the header and claims parsing behind the signature.
fn signed_parts(u: &mut Unstructured<'_>) -> Result<()> {
    let header: String = u.arbitrary()?;
    let payload: String = u.arbitrary()?;
    let now: u64 = u.arbitrary()?;
    let signed = format!(
        "{}.{}",
        encode(header.as_bytes()),
        encode(payload.as_bytes())
    );
    // Sign with the key the header names, when it names one of ours.
    let kid = match peek_kid(&format!("{signed}.")) {
        Ok(kid) if kid == "i2" => "i2",
        _ => "i1",
    };
    let mac = hmac_sha256(&key(kid), signed.as_bytes());
    let token = format!("{signed}.{}", encode(&mac));
    match verify(&token, keys, now) {
        Ok(claims) => {
            assert_eq!(peek_kid(&token).as_deref(), Ok(kid));
            assert!(!claims.sub.is_empty() && claims.sub.chars().count() <= 128);
        }
        Err(e) => assert_ne!(e, IdentityError::BadSignature, "{header:?}"),
    }
    Ok(())
}

fn round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let claims = IdentityClaims {
        sub: u.arbitrary()?,
        name: u.arbitrary()?,
        email: u.arbitrary()?,
        email_verified: u.arbitrary()?,
        exp: u.arbitrary()?,
        nbf: u.arbitrary()?,
        iat: u.arbitrary()?,
    };
    let kid = if u.arbitrary()? { "i1" } else { "i2" };
    let token = sign(&claims, kid, &key(kid));
    let now = claims.nbf.unwrap_or(0);
    match verify(&token, keys, now) {
        Ok(back) => assert_eq!(back, claims),
        Err(e) => assert!(
            matches!(
                e,
                IdentityError::InvalidClaims | IdentityError::Expired | IdentityError::TooLong
            ),
            "{e:?}"
        ),
    }
    Ok(())
}

/// The shop's side of the MAC, written independently of the module under test.
fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}
