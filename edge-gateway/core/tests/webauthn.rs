//! Passkey ceremonies against an authenticator simulated with a real P-256 key: every check
//! the gateway makes is shown to refuse what it must.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use sha2::{Digest, Sha256};
use shopkeep_gateway_core::webauthn::{
    verify_assertion, verify_registration, Credential, RelyingParty, WebauthnError,
};

const RP: RelyingParty<'static> = RelyingParty {
    id: "localhost",
    origin: "http://localhost:8787",
};
const CHALLENGE: &[u8] = b"0123456789abcdef0123456789abcdef";

/// A minimal CBOR encoder for the test's authenticator.
enum C<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    Text(&'a str),
    Map(Vec<(C<'a>, C<'a>)>),
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    if n < 24 {
        out.push(major << 5 | n as u8);
    } else if n < 256 {
        out.extend([major << 5 | 24, n as u8]);
    } else {
        out.push(major << 5 | 25);
        out.extend((n as u16).to_be_bytes());
    }
}

fn enc(value: &C<'_>, out: &mut Vec<u8>) {
    match value {
        C::Int(i) if *i >= 0 => head(out, 0, *i as u64),
        C::Int(i) => head(out, 1, (-1 - *i) as u64),
        C::Bytes(b) => {
            head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        C::Text(t) => {
            head(out, 3, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        C::Map(entries) => {
            head(out, 5, entries.len() as u64);
            for (k, v) in entries {
                enc(k, out);
                enc(v, out);
            }
        }
    }
}

struct Authenticator {
    key: SigningKey,
    id: Vec<u8>,
    count: u32,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn client_data(kind: &str, challenge: &[u8], origin: &str) -> String {
    b64(format!(
        r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}","crossOrigin":false}}"#,
        b64(challenge)
    )
    .as_bytes())
}

impl Authenticator {
    fn new() -> Self {
        Authenticator {
            key: SigningKey::from_bytes(&[7u8; 32].into()).unwrap(),
            id: b"credential-1".to_vec(),
            count: 0,
        }
    }

    fn auth_data(&self, rp_id: &str, flags: u8, attested: bool) -> Vec<u8> {
        let mut data = Sha256::digest(rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.count.to_be_bytes());
        if attested {
            data.extend([0u8; 16]);
            data.extend((self.id.len() as u16).to_be_bytes());
            data.extend(&self.id);
            let point = self.key.verifying_key().to_encoded_point(false);
            let cose = C::Map(vec![
                (C::Int(1), C::Int(2)),
                (C::Int(3), C::Int(-7)),
                (C::Int(-1), C::Int(1)),
                (C::Int(-2), C::Bytes(point.x().unwrap())),
                (C::Int(-3), C::Bytes(point.y().unwrap())),
            ]);
            enc(&cose, &mut data);
        }
        data
    }

    fn register(&self, fmt: &str, flags: u8) -> (String, String) {
        let data = self.auth_data(RP.id, flags, true);
        let mut object = Vec::new();
        enc(
            &C::Map(vec![
                (C::Text("fmt"), C::Text(fmt)),
                (C::Text("attStmt"), C::Map(vec![])),
                (C::Text("authData"), C::Bytes(&data)),
            ]),
            &mut object,
        );
        (
            client_data("webauthn.create", CHALLENGE, RP.origin),
            b64(&object),
        )
    }

    fn assert(&mut self, challenge: &[u8], origin: &str, rp_id: &str) -> (String, String, String) {
        self.count += 1;
        let data = self.auth_data(rp_id, 0x05, false);
        let json = client_data("webauthn.get", challenge, origin);
        let mut signed = data.clone();
        signed.extend(Sha256::digest(URL_SAFE_NO_PAD.decode(&json).unwrap()));
        let signature: Signature = self.key.sign(&signed);
        (json, b64(&data), b64(signature.to_der().as_bytes()))
    }
}

fn registered(a: &Authenticator) -> Credential {
    let (json, object) = a.register("none", 0x45);
    verify_registration(&json, &object, CHALLENGE, &RP).unwrap()
}

#[test]
fn a_passkey_registers_and_signs_in() {
    let mut a = Authenticator::new();
    let credential = registered(&a);
    assert_eq!(credential.id, b64(b"credential-1"));
    assert_eq!(credential.public_key.len(), 65);
    let (json, data, sig) = a.assert(CHALLENGE, RP.origin, RP.id);
    assert_eq!(
        verify_assertion(&json, &data, &sig, CHALLENGE, &RP, &credential),
        Ok(1)
    );
}

#[test]
fn registration_refuses_what_it_must() {
    let a = Authenticator::new();
    let (json, object) = a.register("none", 0x45);
    assert_eq!(
        verify_registration(&json, &object, b"another challenge", &RP),
        Err(WebauthnError::Challenge)
    );
    let evil = RelyingParty {
        id: RP.id,
        origin: "https://evil.example",
    };
    assert_eq!(
        verify_registration(&json, &object, CHALLENGE, &evil),
        Err(WebauthnError::Origin)
    );
    let other_rp = RelyingParty {
        id: "evil.example",
        origin: RP.origin,
    };
    assert_eq!(
        verify_registration(&json, &object, CHALLENGE, &other_rp),
        Err(WebauthnError::RelyingParty)
    );
    let (json, object) = a.register("packed", 0x45);
    assert_eq!(
        verify_registration(&json, &object, CHALLENGE, &RP),
        Err(WebauthnError::Unsupported)
    );
    let (json, object) = a.register("none", 0x41); // present but not verified
    assert_eq!(
        verify_registration(&json, &object, CHALLENGE, &RP),
        Err(WebauthnError::User)
    );
    let get = client_data("webauthn.get", CHALLENGE, RP.origin);
    let (_, object) = a.register("none", 0x45);
    assert_eq!(
        verify_registration(&get, &object, CHALLENGE, &RP),
        Err(WebauthnError::WrongType)
    );
    assert!(matches!(
        verify_registration(&json, "!!!", CHALLENGE, &RP),
        Err(WebauthnError::Malformed(_))
    ));
}

#[test]
fn sign_in_refuses_forgeries_replays_and_clones() {
    let mut a = Authenticator::new();
    let credential = registered(&a);
    let (json, data, sig) = a.assert(CHALLENGE, RP.origin, RP.id);
    // Another key's signature.
    let mut other = Authenticator::new();
    other.key = SigningKey::from_bytes(&[9u8; 32].into()).unwrap();
    let (_, _, forged) = other.assert(CHALLENGE, RP.origin, RP.id);
    assert_eq!(
        verify_assertion(&json, &data, &forged, CHALLENGE, &RP, &credential),
        Err(WebauthnError::Signature)
    );
    // A stale challenge (a replayed assertion).
    assert_eq!(
        verify_assertion(&json, &data, &sig, b"next challenge", &RP, &credential),
        Err(WebauthnError::Challenge)
    );
    // A counter that did not grow.
    let stored = Credential {
        sign_count: 5,
        ..credential.clone()
    };
    assert_eq!(
        verify_assertion(&json, &data, &sig, CHALLENGE, &RP, &stored),
        Err(WebauthnError::Counter)
    );
    // Signed for another site.
    let (json, data, sig) = a.assert(CHALLENGE, RP.origin, "evil.example");
    assert_eq!(
        verify_assertion(&json, &data, &sig, CHALLENGE, &RP, &credential),
        Err(WebauthnError::RelyingParty)
    );
}

mod hostile {
    use super::*;
    use proptest::prelude::*;
    use shopkeep_gateway_core::cbor;

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_the_decoder_or_the_ceremonies(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            text in ".{0,80}",
        ) {
            let _ = cbor::decode(&bytes);
            let encoded = URL_SAFE_NO_PAD.encode(&bytes);
            prop_assert!(verify_registration(&encoded, &encoded, CHALLENGE, &RP).is_err());
            prop_assert!(verify_registration(&text, &encoded, CHALLENGE, &RP).is_err());
            let credential = Credential { id: String::new(), public_key: bytes.clone(), sign_count: 0 };
            prop_assert!(verify_assertion(&encoded, &encoded, &encoded, CHALLENGE, &RP, &credential).is_err());
        }
    }
}
