//! Decoding and checking of widget request bodies (STYLE: a refused request writes nothing).

use crate::redaction::normalize;
use crate::{Error, Result};
use serde::de::DeserializeOwned;
use shopkeep_protocol::{ChatRequest, ErrorCode};

/// Largest body a widget route accepts, in bytes.
pub const MAX_WIDGET_BODY_BYTES: usize = 16 * 1024;
/// Largest body the platform/admin routes accept, in bytes.
pub const MAX_ADMIN_BODY_BYTES: usize = 512 * 1024;
/// Longest shopper message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;

/// Counts a request body as it streams in, so an oversized body is refused at `limit + 1`
/// bytes without reading the rest (a chunked upload declares no length up front).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLimit {
    limit: usize,
    body: Vec<u8>,
}

/// The body went past its limit: answer `413` and stop reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge {
    /// The limit, in bytes.
    pub limit: usize,
}

impl From<TooLarge> for Error {
    fn from(e: TooLarge) -> Self {
        too_large(e.limit)
    }
}

fn too_large(limit: usize) -> Error {
    Error::downstream(
        ErrorCode::PayloadTooLarge,
        format!("The request body is larger than {limit} bytes."),
    )
}

impl BodyLimit {
    /// An empty body allowed up to `limit` bytes.
    pub fn new(limit: usize) -> Self {
        BodyLimit {
            limit,
            body: Vec::new(),
        }
    }

    /// Refuses a declared `Content-Length` above the limit before anything is read.
    /// An unparsable header is left to the stream count.
    pub fn check_declared(&self, content_length: Option<&str>) -> Result<(), TooLarge> {
        match content_length.and_then(|l| l.trim().parse::<u64>().ok()) {
            Some(n) if n > self.limit as u64 => Err(TooLarge { limit: self.limit }),
            _ => Ok(()),
        }
    }

    /// Adds the next chunk; `Err` as soon as the body is longer than the limit (the chunk
    /// that crosses it is not kept).
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), TooLarge> {
        if chunk.len() > self.limit - self.body.len() {
            return Err(TooLarge { limit: self.limit });
        }
        self.body.extend_from_slice(chunk);
        Ok(())
    }

    /// The whole body, at most `limit` bytes.
    pub fn finish(self) -> Vec<u8> {
        self.body
    }
}

/// Decodes a JSON body: size limit (413), UTF-8 and JSON syntax (400), shape (400 naming the
/// field serde complained about).
pub fn decode_json<T: DeserializeOwned>(body: &[u8], limit: usize) -> Result<T> {
    if body.len() > limit {
        return Err(too_large(limit));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| Error::bad_request("The request body is not valid UTF-8."))?;
    if text.trim().is_empty() {
        return Err(Error::bad_request(
            "The request body is empty; a JSON object is required.",
        ));
    }
    serde_json::from_str(text).map_err(|e| {
        let what = e.to_string();
        // serde's messages name the field ("missing field `message`") but may quote input;
        // keep only the part before " at line", and cap it.
        let what = what.split(" at line").next().unwrap_or("invalid JSON");
        let what: String = what.chars().take(160).collect();
        Error::bad_request(format!("The request body is not valid: {what}."))
    })
}

/// Checks a chat request and returns the message, NFKC-normalised and trimmed.
///
/// The message is normalised first ([`normalize`]) and checked after, so what is stored, what
/// the AI runtime gets and what redaction scans is one text, within the limits: NFKC can
/// lengthen a message (one `ﷺ` becomes 18 characters), so the 4000-character limit counts the
/// normalised text, and its control-character rule sees that text too.
pub fn check_chat_request(req: &ChatRequest) -> Result<String> {
    let id = &req.client_message_id;
    if !(8..=64).contains(&id.len())
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(Error::invalid_field(
            "client_message_id",
            "must be 8–64 characters of A-Z, a-z, 0-9, _ and -",
        ));
    }
    let normalized = normalize(&req.message);
    let message = normalized.trim();
    if message.is_empty() {
        return Err(Error::invalid_field("message", "must not be empty"));
    }
    if message.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Error::invalid_field(
            "message",
            "must be at most 4000 characters",
        ));
    }
    if message
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(Error::invalid_field(
            "message",
            "must not contain control characters",
        ));
    }
    Ok(message.to_owned())
}

/// Checks a feedback request: comments are bounded and clean. Returns the comment
/// NFKC-normalised (checked after normalising, as chat messages are).
pub fn check_feedback(req: &shopkeep_protocol::FeedbackRequest) -> Result<Option<String>> {
    let Some(comment) = &req.comment else {
        return Ok(None);
    };
    let comment = normalize(comment);
    if comment.chars().count() > 500 {
        return Err(Error::invalid_field(
            "comment",
            "must be at most 500 characters",
        ));
    }
    if comment
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Error::invalid_field(
            "comment",
            "must not contain control characters",
        ));
    }
    Ok(Some(comment.into_owned()))
}

/// Extracts the token from an `Authorization: Bearer <token>` header.
pub fn bearer_token(header: Option<&str>) -> Result<&str> {
    let header = header.ok_or_else(|| Error::code(ErrorCode::Unauthorized))?;
    let (scheme, token) = header
        .split_once(' ')
        .ok_or_else(|| Error::code(ErrorCode::Unauthorized))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(Error::code(ErrorCode::Unauthorized));
    }
    Ok(token.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn oversized_bodies_were_buffered_whole_before_the_413() {
        // The limit is enforced per chunk: a body is refused at limit + 1 bytes, and the
        // accumulator never holds more than the limit, however much more the client sends.
        let mut body = BodyLimit::new(10);
        assert_eq!(body.push(b"0123456789"), Ok(()));
        assert_eq!(body.push(b""), Ok(()));
        assert_eq!(body.push(b"x"), Err(TooLarge { limit: 10 }));
        assert_eq!(body.clone().finish().len(), 10);
        let mut one_chunk = BodyLimit::new(10);
        assert_eq!(one_chunk.push(&[b'x'; 11]), Err(TooLarge { limit: 10 }));
        assert!(one_chunk.finish().is_empty());
        let err: Error = TooLarge { limit: 10 }.into();
        assert_eq!(err.public().0, 413);
        assert_eq!(err.public().1.error.code, "payload_too_large");
    }

    #[test]
    fn a_declared_length_above_the_limit_is_refused_before_reading() {
        let body = BodyLimit::new(16);
        assert_eq!(body.check_declared(Some("16")), Ok(()));
        assert_eq!(body.check_declared(None), Ok(()));
        assert_eq!(
            body.check_declared(Some("nonsense")),
            Ok(()),
            "left to the count"
        );
        assert!(body.check_declared(Some("17")).is_err());
        assert!(
            body.check_declared(Some("99999999999999999999999")).is_ok(),
            "unparsable"
        );
    }

    proptest! {
        #[test]
        fn a_body_split_anywhere_is_refused_exactly_past_the_limit(
            len in 0usize..64, limit in 0usize..48, cuts in proptest::collection::vec(0usize..64, 0..6),
        ) {
            let data = vec![b'a'; len];
            let mut cuts: Vec<usize> = cuts.into_iter().filter(|c| *c <= len).collect();
            cuts.push(0);
            cuts.push(len);
            cuts.sort_unstable();
            let mut body = BodyLimit::new(limit);
            let mut refused_after = None;
            for pair in cuts.windows(2) {
                if body.push(&data[pair[0]..pair[1]]).is_err() {
                    refused_after = Some(pair[1]);
                    break;
                }
            }
            match refused_after {
                None => {
                    prop_assert!(len <= limit);
                    prop_assert_eq!(body.finish(), data);
                }
                // Refused on the chunk that crossed the limit, not later.
                Some(end) => {
                    prop_assert!(len > limit);
                    prop_assert!(end > limit);
                    prop_assert!(cuts.iter().all(|c| *c >= end || *c <= limit));
                }
            }
        }
    }

    fn chat(message: &str, id: &str) -> ChatRequest {
        ChatRequest {
            message: message.into(),
            client_message_id: id.into(),
        }
    }

    #[test]
    fn bodies_are_refused_with_the_right_code() {
        let code = |body: &[u8]| {
            decode_json::<ChatRequest>(body, 64)
                .unwrap_err()
                .error_code()
        };
        assert_eq!(code(&[b' '; 65]), ErrorCode::PayloadTooLarge);
        assert_eq!(code(b"\xff\xfe"), ErrorCode::BadRequest);
        assert_eq!(code(b"{\"message\":"), ErrorCode::BadRequest);
        assert_eq!(code(b""), ErrorCode::BadRequest);
        let err = decode_json::<ChatRequest>(b"{\"message\":\"hi\"}", 64).unwrap_err();
        assert!(
            err.public().1.error.message.contains("client_message_id"),
            "{err}"
        );
    }

    #[test]
    fn chat_messages_are_trimmed_bounded_and_clean() {
        assert_eq!(
            check_chat_request(&chat("  hi  ", "m_12345678")).unwrap(),
            "hi"
        );
        assert!(check_chat_request(&chat("   ", "m_12345678")).is_err());
        assert!(check_chat_request(&chat(&"x".repeat(4001), "m_12345678")).is_err());
        assert!(check_chat_request(&chat("a\u{0}b", "m_12345678")).is_err());
        assert!(check_chat_request(&chat("line\nbreak", "m_12345678")).is_ok());
        assert!(check_chat_request(&chat("hi", "short")).is_err());
        assert!(check_chat_request(&chat("hi", "has space!")).is_err());
    }

    #[test]
    fn messages_are_nfkc_normalised_before_they_are_checked() {
        assert_eq!(
            check_chat_request(&chat(
                "\u{3000}ｍａｉｌ ａ＠ｂ.ｃｏｍ ４２\u{3000}",
                "m_12345678"
            ))
            .unwrap(),
            "mail a@b.com 42"
        );
        // NFKC lengthens U+FDFA to 18 characters: the limit counts the normalised text.
        assert!(check_chat_request(&chat(&"\u{FDFA}".repeat(222), "m_12345678")).is_ok());
        assert!(check_chat_request(&chat(&"\u{FDFA}".repeat(223), "m_12345678")).is_err());
        let comment = |text: &str| shopkeep_protocol::FeedbackRequest {
            rating: shopkeep_protocol::Rating::Down,
            comment: Some(text.into()),
        };
        assert_eq!(
            check_feedback(&comment("ｔｏｏ ｓｍａｌｌ"))
                .unwrap()
                .as_deref(),
            Some("too small")
        );
        assert!(check_feedback(&comment(&"\u{FDFA}".repeat(28))).is_err());
    }

    #[test]
    fn normalising_never_turns_a_printable_character_into_a_control_character() {
        let printable = (0..=0x10FFFF_u32)
            .filter_map(char::from_u32)
            .filter(|c| !c.is_control());
        for c in printable {
            let text = c.to_string();
            let normalized = normalize(&text);
            assert!(
                !normalized.chars().any(char::is_control),
                "U+{:04X} normalises to {normalized:?}",
                c as u32
            );
        }
    }

    #[test]
    fn bearer_tokens_are_extracted() {
        assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(Some("bearer abc")).unwrap(), "abc");
        assert!(bearer_token(None).is_err());
        assert!(bearer_token(Some("Basic abc")).is_err());
        assert!(bearer_token(Some("Bearer ")).is_err());
    }
}
