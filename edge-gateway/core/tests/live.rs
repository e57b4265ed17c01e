//! The live log under random reconnects: a socket that resumes from the last number it has
//! ends with every entry it may see, once, in order.

use proptest::prelude::*;
use shopkeep_gateway_core::live::{already_stored, missed, Author, Entry, Role};

proptest! {
    #[test]
    fn reconnects_lose_and_duplicate_nothing(
        steps in proptest::collection::vec((any::<bool>(), any::<bool>(), 0u8..4), 1..200),
        role_staff in any::<bool>(),
    ) {
        let role = if role_staff { Role::Staff } else { Role::Shopper };
        let mut log: Vec<Entry> = Vec::new();
        let mut received: Vec<u64> = Vec::new();
        let mut connected = true;
        for (i, (internal, resend, action)) in steps.into_iter().enumerate() {
            match action {
                // A message arrives (maybe a resend of the previous one).
                0 | 1 => {
                    let client_id = if resend && i > 0 { format!("c{}", i - 1) } else { format!("c{i}") };
                    if already_stored(&log, Author::Staff, &client_id).is_some() {
                        continue;
                    }
                    let seq = log.len() as u64 + 1;
                    let entry = Entry { seq, author: Author::Staff, client_id: Some(client_id), text: String::new(), internal, name: None, notice: None, at_ms: seq };
                    if connected && entry.visible_to(role) {
                        received.push(seq);
                    }
                    log.push(entry);
                }
                // The socket drops.
                2 => connected = false,
                // It reconnects and resumes from the last number it has.
                _ => {
                    if !connected {
                        let after = received.last().copied().unwrap_or(0);
                        received.extend(missed(&log, after, role).iter().map(|e| e.seq));
                        connected = true;
                    }
                }
            }
        }
        let after = received.last().copied().unwrap_or(0);
        received.extend(missed(&log, after, role).iter().map(|e| e.seq));
        let expected: Vec<u64> = log.iter().filter(|e| e.visible_to(role)).map(|e| e.seq).collect();
        prop_assert_eq!(received, expected);
    }
}
