//! Tiny text helpers that keep `core::fmt` and the two-way substring searcher out of the wasm
//! (together several kilobytes): the widget only ever needs decimal integers and short needles.

/// Appends `n` in decimal.
pub fn push_number(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for d in &digits[i..] {
        out.push(char::from(*d));
    }
}

/// Byte offset of the first `needle` in `hay` (a naive scan: needles here are 1–3 bytes).
pub(crate) fn find(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    h.windows(n.len()).position(|w| w == n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_needles() {
        for n in [0u64, 7, 10, 12345, u64::MAX] {
            let mut s = String::new();
            push_number(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        assert_eq!(find("a](b", "]("), Some(1));
        assert_eq!(find("ab", "abc"), None);
        assert_eq!(find("é**x", "**"), Some(2));
    }
}
