//! Proves PII redaction (SPEC §6) sees through Unicode compatibility look-alikes, in en, es,
//! pt, fr and de: e-mail addresses with the full-width at sign `＠` (or typed wholly in
//! full-width), phone numbers with full-width digits and `＋`, card numbers and IBANs in
//! full-width digits and letters, with ideographic spaces — what a CJK IME or some phone
//! keyboards produce — are redacted like their ASCII forms. Regression for "full-width digits
//! and `＠` bypass redaction" (issue 10, item 9): the scanners read only ASCII digits and `@`.
//!
//! Also: what comes out is NFKC when anything was replaced, full-width text without PII is
//! left as written, and — as a property — no PII is detectable in the NFKC form of any
//! redacted text.

use proptest::prelude::*;
use shopkeep_gateway_core::redaction::{normalize as normalize_fast, redact, PiiKind, Redacted};
use unicode_normalization::{is_nfkc, UnicodeNormalization};
use PiiKind::{Card, Email, Iban, Phone};

/// The full-width form of ASCII text: `!`..`~` → U+FF01..U+FF5E, space → U+3000.
fn wide(ascii: &str) -> String {
    ascii
        .chars()
        .map(|c| match c {
            ' ' => '\u{3000}',
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            c => c,
        })
        .collect()
}

fn normalize(text: &str) -> String {
    text.nfkc().collect()
}

#[track_caller]
fn check(input: &str, expected: &str, found: &[PiiKind]) {
    let actual = redact(input);
    let wanted = Redacted {
        text: expected.to_owned(),
        found: found.to_vec(),
    };
    assert_eq!(
        actual, wanted,
        "\ninput:    {input}\nexpected: {expected}\nactual:   {}",
        actual.text
    );
}

#[test]
fn english_full_width_email_and_phone() {
    check(
        "Email me at john＠example.com or call ＋１ ５５５ １２３ ４５６７",
        "Email me at [email] or call [phone]",
        &[Email, Phone],
    );
    check(
        &format!("Email me at {} please", wide("john.smith@example.co.uk")),
        "Email me at [email] please",
        &[Email],
    );
    check(
        "call me at （５５５） １２３－４５６７",
        "call me at [phone]",
        &[Phone],
    );
}

#[test]
fn spanish_full_width_email_and_mobile() {
    check(
        "Mi correo es maría.lópez＠ejemplo.es y mi teléfono ＋３４ ６１２ ３４ ５６ ７８",
        "Mi correo es [email] y mi teléfono [phone]",
        &[Email, Phone],
    );
    // The small commercial at (U+FE6B) folds to `@` too.
    check(
        "escríbeme a ana﹫ejemplo.es",
        "escríbeme a [email]",
        &[Email],
    );
}

#[test]
fn portuguese_full_width_card_and_phone() {
    check(
        "Paguei com o cartão ４１１１ １１１１ １１１１ １１１１ mas não recebi nada",
        "Paguei com o cartão [card] mas não recebi nada",
        &[Card],
    );
    check(
        &format!("cartão {}", wide("4111 1111 1111 1111")),
        "cartão [card]",
        &[Card],
    );
    check(
        "O meu telemóvel é ９１２ ３４５ ６７８",
        "O meu telemóvel é [phone]",
        &[Phone],
    );
}

#[test]
fn french_full_width_mobile_and_iban() {
    check(
        "Mon numéro: ０６ １２ ３４ ５６ ７８",
        "Mon numéro: [phone]",
        &[Phone],
    );
    check(
        &format!("Mon IBAN: {}", wide("FR14 2004 1010 0505 0001 3M02 606")),
        "Mon IBAN: [iban]",
        &[Iban],
    );
}

#[test]
fn german_full_width_iban_and_mobile() {
    check(
        "Meine IBAN ist ＤＥ８９ ３７０４ ００４４ ０５３２ ０１３０ ００ für die Erstattung.",
        "Meine IBAN ist [iban] für die Erstattung.",
        &[Iban],
    );
    check(
        "Handy ＋４９ １５１ ２３４５６７８９",
        "Handy [phone]",
        &[Phone],
    );
}

#[test]
fn mixed_width_digits_are_one_number() {
    check("Karte 4111 １１１１ 1111 １１１１", "Karte [card]", &[Card]);
}

#[test]
fn when_something_is_found_the_whole_text_comes_back_in_nfkc_form() {
    // The rest of the text is folded too: the result is one consistent form.
    check(
        "ＯＫ, ﬁnal answer: ａ＠ｂ.ｃｏｍ",
        "OK, final answer: [email]",
        &[Email],
    );
}

#[test]
fn full_width_text_without_pii_is_left_as_written() {
    for text in [
        "サイズ　４２　はありますか？",
        "Ｔシャツ　２枚で　３０００円",
        "Bestellung ４７１１ ０８１５ １２３４",
        "Ｅｘｐｒｅｓｓ costs １２ EUR",
    ] {
        check(text, text, &[]);
    }
}

/// ASCII pieces that are or sit next to PII; each is used as written and in full width.
fn ascii_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a@b.com".to_owned()),
        Just("x@".to_owned()),
        Just("@".to_owned()),
        Just("4111 1111 1111 1111".to_owned()),
        Just("DE89 3704 0044 0532 0130 00".to_owned()),
        Just("+34 612 34 56 78".to_owned()),
        Just("06 12 34 56 78".to_owned()),
        Just("[phone]".to_owned()),
        Just("(555) 123-4567".to_owned()),
        Just("5555555555554444".to_owned()),
        Just("tel ".to_owned()),
        Just("order ".to_owned()),
        Just(" ".to_owned()),
        "[0-9]{1,6}",
        "[ .,:/()+#@\\[\\]-]",
        "[a-z]{1,5}",
        "[0-9 .()+-]{1,12}",
    ]
}

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        ascii_piece(),
        ascii_piece().prop_map(|p| wide(&p)),
        Just("\u{FE6B}".to_owned()), // small commercial at
        Just("\u{00B9}\u{00B2}\u{00B3}".to_owned()), // superscript digits
        Just("\u{2460}".to_owned()), // circled digit one
        Just("e\u{0301}".to_owned()), // a decomposed é
        Just("\u{00A0}".to_owned()),
    ]
}

proptest! {
    #[test]
    fn no_pii_is_detectable_in_the_nfkc_form_of_redacted_text(
        pieces in proptest::collection::vec(piece(), 0..20)
    ) {
        let text = pieces.concat();
        let out = redact(&text);
        let left = redact(&normalize(&out.text));
        prop_assert!(left.found.is_empty(), "input: {:?}\nredacted: {:?}\nstill found {:?}", text, out.text, left.found);
    }

    #[test]
    fn full_width_text_is_redacted_as_its_nfkc_form(
        pieces in proptest::collection::vec(piece(), 0..20)
    ) {
        let text = pieces.concat();
        let out = redact(&text);
        let of_normal = redact(&normalize(&text));
        prop_assert_eq!(&out.found, &of_normal.found, "input: {:?}", text);
        if !out.found.is_empty() {
            prop_assert_eq!(&out.text, &of_normal.text);
            prop_assert!(is_nfkc(&out.text), "not NFKC: {:?}", out.text);
        }
    }

    #[test]
    fn no_pii_is_detectable_after_redacting_any_text(text in any::<String>()) {
        let out = redact(&text);
        prop_assert!(redact(&normalize(&out.text)).found.is_empty(), "input: {:?}", text);
    }

    /// The ASCII fast path of `redaction::normalize` (and its quick check) gives exactly the
    /// full NFKC of any text: ASCII, mixed, or arbitrary Unicode.
    #[test]
    fn the_fast_normalize_equals_full_nfkc(
        ascii in "[ -~\t\n]{0,80}",
        pieces in proptest::collection::vec(piece(), 0..8),
        any_text in any::<String>(),
    ) {
        for text in [ascii.clone(), pieces.concat(), any_text.clone(), format!("{ascii}{any_text}")] {
            let fast = normalize_fast(&text);
            let full = normalize(&text);
            prop_assert_eq!(fast.as_ref(), full.as_str());
            if text.is_ascii() {
                prop_assert!(matches!(fast, std::borrow::Cow::Borrowed(_)));
            }
        }
    }
}
