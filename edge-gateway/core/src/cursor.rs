//! The admin conversation list's page cursor.
//!
//! Conversations are listed newest first by `(updated_at_ms, id)`. A cursor made of the time
//! alone skipped every conversation that shared the boundary time with the last row of a page
//! (the audit's "pagination skips rows"); this one names the exact row, so the next page
//! starts strictly after it. It is opaque to clients (base64url), so its form can change.

use crate::routes::valid_conversation_id;
use crate::Error;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// The position after which the next page starts: the last row's `(updated_at_ms, id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// `updated_at_ms` of the last row shown.
    pub updated_at_ms: u64,
    /// Conversation id of the last row shown.
    pub id: String,
}

impl Cursor {
    /// The opaque text form.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}.{}", self.updated_at_ms, self.id))
    }

    /// Parses a cursor a client sent back; anything else is an `invalid_field` error, never
    /// a silent first page.
    pub fn decode(text: &str) -> Result<Cursor, Error> {
        let invalid = || Error::invalid_field("cursor", "is not a cursor this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let (ms, id) = text.split_once('.').ok_or_else(invalid)?;
        let updated_at_ms = ms.parse::<u64>().map_err(|_| invalid())?;
        if !valid_conversation_id(id) || updated_at_ms > (1 << 53) {
            return Err(invalid());
        }
        Ok(Cursor {
            updated_at_ms,
            id: id.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        let cursor = Cursor {
            updated_at_ms: 1_700_000_000_000,
            id: "c_abc-DEF_123".into(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn anything_else_is_an_invalid_field() {
        let bad = [
            String::new(),
            "not-a-cursor".into(),
            URL_SAFE_NO_PAD.encode("12.x_notaconversation"),
            URL_SAFE_NO_PAD.encode("twelve.c_abc"),
            URL_SAFE_NO_PAD.encode("c_abc"),
            URL_SAFE_NO_PAD.encode("99999999999999999999.c_abc"),
        ];
        for text in bad {
            let err = Cursor::decode(&text).expect_err(&text);
            assert_eq!(err.error_code(), shopkeep_protocol::ErrorCode::InvalidField);
        }
    }
}
