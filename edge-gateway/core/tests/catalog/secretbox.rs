//! Credentials at rest: sealed per tenant and purpose.

use shopkeep_gateway_core::secretbox::{open, seal, SecretBoxError};

const MASTER: &[u8] = b"a master secret of some length";

#[test]
fn a_sealed_token_opens_only_for_its_tenant_and_purpose() {
    let sealed = seal(MASTER, "catalog", "t_a", [7; 12], "shpat_secret");
    assert!(!sealed.contains("shpat"));
    assert_eq!(
        open(MASTER, "catalog", "t_a", &sealed).unwrap(),
        "shpat_secret"
    );
    assert_eq!(
        open(MASTER, "catalog", "t_b", &sealed),
        Err(SecretBoxError::Forged)
    );
    assert_eq!(
        open(MASTER, "orders", "t_a", &sealed),
        Err(SecretBoxError::Forged)
    );
    assert_eq!(
        open(b"another master secret value", "catalog", "t_a", &sealed),
        Err(SecretBoxError::Forged)
    );
    assert_eq!(
        open(MASTER, "catalog", "t_a", "plain"),
        Err(SecretBoxError::Malformed)
    );
    let mut tampered = sealed.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    assert!(open(
        MASTER,
        "catalog",
        "t_a",
        std::str::from_utf8(&tampered).unwrap()
    )
    .is_err());
    assert_ne!(
        seal(MASTER, "catalog", "t_a", [8; 12], "shpat_secret"),
        sealed,
        "the nonce changes the value"
    );
}
