//! Client message ids from injected randomness.
//!
//! The shell seeds an [`IdGen`] once from the browser's randomness; ids must only be unique per
//! conversation (the gateway de-duplicates retried sends by them), not secret, so a small
//! splitmix64 generator is enough and keeps the core deterministic in tests.

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Length of the random part of an id.
const RANDOM_LEN: usize = 16;

/// Makes `m_` + 16 characters of `[A-Za-z0-9]`: valid for the API's 8–64 `[A-Za-z0-9_-]` rule.
#[derive(Debug, Clone)]
pub struct IdGen {
    state: u64,
}

impl IdGen {
    /// A generator seeded with randomness from the caller.
    pub fn new(seed: u64) -> Self {
        IdGen { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        // splitmix64 (Steele, Lea, Flood 2014): full period, good spread from any seed.
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The next client message id.
    pub fn client_message_id(&mut self) -> String {
        let mut id = String::with_capacity(2 + RANDOM_LEN);
        id.push_str("m_");
        let mut bits = 0u64;
        for i in 0..RANDOM_LEN {
            // 62^16 ≈ 2^95; drawing a fresh u64 every 8 characters keeps the bias negligible.
            if i % 8 == 0 {
                bits = self.next_u64();
            }
            id.push(ALPHABET[(bits % 62) as usize] as char);
            bits /= 62;
        }
        id
    }
}

/// Whether a string is a valid client message id for the API.
pub fn is_valid_client_message_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn same_seed_same_ids_and_ids_differ() {
        let mut a = IdGen::new(42);
        let mut b = IdGen::new(42);
        let first = a.client_message_id();
        assert_eq!(first, b.client_message_id());
        assert_ne!(first, a.client_message_id());
    }

    proptest! {
        #[test]
        fn every_id_is_valid_for_the_api(seed in any::<u64>()) {
            let mut g = IdGen::new(seed);
            for _ in 0..4 {
                let id = g.client_message_id();
                prop_assert!(is_valid_client_message_id(&id), "{}", id);
            }
        }
    }
}
