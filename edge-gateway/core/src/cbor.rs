//! The small part of CBOR (RFC 8949) WebAuthn needs: integers, byte and text strings, arrays,
//! maps, simple values; definite lengths only (authenticators use them; anything else is
//! refused). Depth and sizes are capped, so a hostile attestation object cannot exhaust
//! anything.

/// A decoded CBOR value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cbor {
    /// An integer (major types 0 and 1).
    Int(i128),
    /// A byte string.
    Bytes(Vec<u8>),
    /// A text string.
    Text(String),
    /// An array.
    Array(Vec<Cbor>),
    /// A map, in encoded order.
    Map(Vec<(Cbor, Cbor)>),
    /// `false`, `true`, `null`, `undefined`.
    Simple(u8),
}

impl Cbor {
    /// The value of `key` in a map.
    pub fn get(&self, key: &Cbor) -> Option<&Cbor> {
        match self {
            Cbor::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value of the text key `key` in a map.
    pub fn get_text(&self, key: &str) -> Option<&Cbor> {
        self.get(&Cbor::Text(key.to_owned()))
    }

    /// The value of the integer key `key` in a map.
    pub fn get_int(&self, key: i128) -> Option<&Cbor> {
        self.get(&Cbor::Int(key))
    }

    /// The bytes of a byte string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Cbor::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The integer.
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Cbor::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cbor::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Why bytes are not the CBOR accepted here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    /// The input ended inside an item.
    #[error("truncated CBOR")]
    Truncated,
    /// Indefinite lengths, tags, floats, or reserved encodings.
    #[error("unsupported CBOR")]
    Unsupported,
    /// Nested deeper than [`MAX_DEPTH`] or longer than the input could hold.
    #[error("CBOR too deep or too long")]
    TooBig,
    /// A text string that is not UTF-8.
    #[error("CBOR text is not UTF-8")]
    NotUtf8,
}

/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 8;

/// Decodes one item from the start of `input`; returns it and the bytes after it.
pub fn decode(input: &[u8]) -> Result<(Cbor, &[u8]), CborError> {
    let mut reader = Reader { input, pos: 0 };
    let value = reader.item(0)?;
    Ok((value, &input[reader.pos..]))
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], CborError> {
        let end = self.pos.checked_add(n).ok_or(CborError::TooBig)?;
        let bytes = self.input.get(self.pos..end).ok_or(CborError::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    fn argument(&mut self, info: u8) -> Result<u64, CborError> {
        Ok(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.take(1)?[0]),
            25 => u64::from(u16::from_be_bytes(
                self.take(2)?.try_into().map_err(|_| CborError::Truncated)?,
            )),
            26 => u64::from(u32::from_be_bytes(
                self.take(4)?.try_into().map_err(|_| CborError::Truncated)?,
            )),
            27 => u64::from_be_bytes(self.take(8)?.try_into().map_err(|_| CborError::Truncated)?),
            _ => return Err(CborError::Unsupported),
        })
    }

    fn length(&mut self, info: u8) -> Result<usize, CborError> {
        let n = self.argument(info)?;
        // No item can be longer than what is left of the input (each element takes ≥ 1 byte).
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.input.len() - self.pos)
            .ok_or(CborError::Truncated)
    }

    fn item(&mut self, depth: usize) -> Result<Cbor, CborError> {
        if depth > MAX_DEPTH {
            return Err(CborError::TooBig);
        }
        let head = self.take(1)?[0];
        let (major, info) = (head >> 5, head & 0x1f);
        Ok(match major {
            0 => Cbor::Int(i128::from(self.argument(info)?)),
            1 => Cbor::Int(-1 - i128::from(self.argument(info)?)),
            2 => {
                let n = self.length(info)?;
                Cbor::Bytes(self.take(n)?.to_vec())
            }
            3 => {
                let n = self.length(info)?;
                Cbor::Text(
                    String::from_utf8(self.take(n)?.to_vec()).map_err(|_| CborError::NotUtf8)?,
                )
            }
            4 => {
                let n = self.length(info)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Cbor::Array(items)
            }
            5 => {
                let n = self.length(info)?;
                let mut entries = Vec::with_capacity(n);
                for _ in 0..n {
                    let key = self.item(depth + 1)?;
                    let value = self.item(depth + 1)?;
                    entries.push((key, value));
                }
                Cbor::Map(entries)
            }
            7 if (20..=23).contains(&info) => Cbor::Simple(info),
            _ => return Err(CborError::Unsupported),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_shapes_webauthn_uses() {
        // {"fmt": "none", 1: -7, "b": h'0102', "a": [true, null]}
        let bytes = [
            0xa4, 0x63, b'f', b'm', b't', 0x64, b'n', b'o', b'n', b'e', 0x01, 0x26, 0x61, b'b',
            0x42, 0x01, 0x02, 0x61, b'a', 0x82, 0xf5, 0xf6,
        ];
        let (value, rest) = decode(&bytes).unwrap();
        assert!(rest.is_empty());
        assert_eq!(value.get_text("fmt").and_then(Cbor::as_text), Some("none"));
        assert_eq!(value.get_int(1).and_then(Cbor::as_int), Some(-7));
        assert_eq!(
            value.get_text("b").and_then(Cbor::as_bytes),
            Some(&[1u8, 2][..])
        );
    }

    #[test]
    fn hostile_input_is_refused_not_trusted() {
        assert_eq!(
            decode(&[0x5a, 0xff, 0xff, 0xff, 0xff]),
            Err(CborError::Truncated)
        );
        assert_eq!(
            decode(&[0x9f]),
            Err(CborError::Unsupported),
            "indefinite array"
        );
        assert_eq!(decode(&[0xc0, 0x00]), Err(CborError::Unsupported), "tag");
        assert_eq!(decode(&[0x42, 0x01]), Err(CborError::Truncated));
        assert_eq!(decode(&[0x81; 20]), Err(CborError::TooBig), "depth");
        assert_eq!(decode(&[0x62, 0xff, 0xfe]), Err(CborError::NotUtf8));
    }
}
