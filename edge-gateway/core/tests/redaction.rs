//! Proves PII redaction (SPEC §6) on realistic shopper text in en, es, pt, fr and de: e-mail
//! addresses (any script in the local part, sentence punctuation kept), IBANs that pass mod-97
//! (grouped or compact), card numbers that pass Luhn (grouped or compact, with a CVC or an
//! amount next to them), phone numbers in international and national formats — and, just as
//! important, that the shop's ordinary numbers stay: order numbers (including a Luhn-failing
//! 16-digit one), prices, sizes, weights, dates, years, delivery times. Also that redaction is
//! idempotent, never panics on arbitrary text, and leaves text without a digit or `@` alone.

use proptest::prelude::*;
use shopkeep_gateway_core::redaction::{redact, PiiKind, Redacted};
use PiiKind::{Card, Email, Iban, Phone};

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

#[track_caller]
fn unchanged(input: &str) {
    check(input, input, &[]);
}

#[test]
fn spanish_email_with_accents_and_international_mobile() {
    check(
        "Mi correo es maría.lópez@ejemplo.es y mi teléfono +34 612 34 56 78",
        "Mi correo es [email] y mi teléfono [phone]",
        &[Email, Phone],
    );
    check(
        "Llámame al 612 34 56 78, gracias.",
        "Llámame al [phone], gracias.",
        &[Phone],
    );
}

#[test]
fn german_iban_grouped_and_compact() {
    check(
        "Meine IBAN ist DE89 3704 0044 0532 0130 00 für die Erstattung.",
        "Meine IBAN ist [iban] für die Erstattung.",
        &[Iban],
    );
    check("IBAN: DE89370400440532013000.", "IBAN: [iban].", &[Iban]);
    check(
        "GB82 WEST 1234 5698 7654 32 and FR14 2004 1010 0505 0001 3M02 606",
        "[iban] and [iban]",
        &[Iban, Iban],
    );
}

#[test]
fn iban_that_fails_mod97_is_left_alone() {
    unchanged("Meine IBAN ist DE89 3704 0044 0532 0130 01");
    unchanged("Artikel DE12ABCDEFGHIJKLMN");
}

#[test]
fn french_national_mobile_in_pairs_and_compact() {
    check(
        "Mon numéro: 06 12 34 56 78",
        "Mon numéro: [phone]",
        &[Phone],
    );
    check(
        "Vous pouvez me joindre au 0612345678 ou par mail à jean-luc.dupont@exemple.fr.",
        "Vous pouvez me joindre au [phone] ou par mail à [email].",
        &[Phone, Email],
    );
}

#[test]
fn portuguese_card_and_phone() {
    check(
        "Paguei com o cartão 4111 1111 1111 1111 mas não recebi nada",
        "Paguei com o cartão [card] mas não recebi nada",
        &[Card],
    );
    check(
        "O meu telemóvel é 912 345 678",
        "O meu telemóvel é [phone]",
        &[Phone],
    );
    check(
        "celular (11) 91234-5678, email joão@exemplo.com.br",
        "celular [phone], email [email]",
        &[Phone, Email],
    );
}

#[test]
fn german_phone_formats() {
    check(
        "Rufen Sie mich an: +49 (0)30 1234567 oder Handy 0171 2345678",
        "Rufen Sie mich an: [phone] oder Handy [phone]",
        &[Phone, Phone],
    );
    check("Telefon: 030/1234567", "Telefon: [phone]", &[Phone]);
}

#[test]
fn english_phone_formats() {
    check(
        "call me at (555) 123-4567 or 555.987.6543",
        "call me at [phone] or [phone]",
        &[Phone, Phone],
    );
    check(
        "UK: +44 20 7946 0958, mobile 07700 900123",
        "UK: [phone], mobile [phone]",
        &[Phone, Phone],
    );
}

#[test]
fn card_numbers_in_their_usual_shapes() {
    check(
        "card 4111-1111-1111-1111 exp 12/27",
        "card [card] exp 12/27",
        &[Card],
    );
    check("amex 3782 822463 10005", "amex [card]", &[Card]);
    check(
        "my card is 5555555555554444.",
        "my card is [card].",
        &[Card],
    );
    // A CVC typed right after the number: the card is still found.
    check("4000 0566 5566 5556 123", "[card] 123", &[Card]);
}

#[test]
fn luhn_failing_order_number_is_left_alone() {
    unchanged("My order 1234 5678 9012 3456 has not arrived");
    unchanged("Bestellnummer 1234567812345678");
    unchanged("pedido 2026031412345678");
}

#[test]
fn the_shops_ordinary_numbers_stay() {
    for text in [
        "Standard shipping takes 3 to 5 business days and costs 4.90 EUR.",
        "Express costs 12 EUR; free on orders over 60 EUR.",
        "The Summit jacket has a 20,000 mm hydrostatic head and weighs 390 g.",
        "Do you have it in size 42? And the boots in 44.5?",
        "I bought it in 2026, order #123456.",
        "Where is order #12345678901?",
        "Delivered on 14.03.2026 at 10:30, tracking 00340434161094042557",
        "Lieferung am 2026-03-14, Bestellung 4711 0815 1234",
        "El pedido 123 456 789 llegó roto",
        "Price: 1 299 000 EUR",
        "sizes 38 40 42 44 46 48",
        "Order placed 2026-11-21 10:42, total €1.234.567,89",
        "between 2 and 3 weeks, 30 days to return, 100% cotton",
        "Commande n° 0612 3456 789 reçue", // an order word wins over a national shape
    ] {
        unchanged(text);
    }
}

#[test]
fn email_edges() {
    check(
        "Write to support+orders@shop.example.com!",
        "Write to [email]!",
        &[Email],
    );
    check("(anna@beispiel.de)", "([email])", &[Email]);
    unchanged("meet me @ the store");
    unchanged("user@localhost is not an address we redact");
    unchanged("twitter @acme_outfitters");
    check(
        "a@b.co, c@d.com; and x@y.org.",
        "[email], [email]; and [email].",
        &[Email, Email, Email],
    );
}

#[test]
fn placeholders_and_found_are_in_text_order() {
    let out = redact("+33 6 12 34 56 78 / a@b.fr / 4111111111111111 / DE89370400440532013000");
    assert_eq!(out.text, "[phone] / [email] / [card] / [iban]");
    assert_eq!(out.found, vec![Phone, Email, Card, Iban]);
}

#[test]
fn redacting_twice_changes_nothing_more() {
    let once = redact("Mi correo es maría.lópez@ejemplo.es y mi teléfono +34 612 34 56 78");
    assert_eq!(redact(&once.text).text, once.text);
    assert!(redact(&once.text).found.is_empty());
}

/// Text pieces that look like PII or sit next to it, to exercise the scanners' edges.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a@b.com".to_owned()),
        Just("x@".to_owned()),
        Just("@".to_owned()),
        Just("4111 1111 1111 1111".to_owned()),
        Just("DE89 3704 0044 0532 0130 00".to_owned()),
        Just("+34 612 34 56 78".to_owned()),
        Just("06 12 34 56 78".to_owned()),
        Just("[phone]".to_owned()),
        Just("0612345678".to_owned()),
        Just("(555) 123-4567".to_owned()),
        Just("DE89370400440532013000".to_owned()),
        Just("5555555555554444".to_owned()),
        Just("tel ".to_owned()),
        Just("order ".to_owned()),
        Just(" ".to_owned()),
        "[0-9]{1,6}",
        "[ .,:/()+#@\\[\\]-]",
        "[a-zé]{1,5}",
        "[0-9 .()+-]{1,12}",
    ]
}

proptest! {
    #[test]
    fn redaction_is_idempotent_on_pii_like_text(pieces in proptest::collection::vec(piece(), 0..20)) {
        let text = pieces.concat();
        let once = redact(&text);
        let twice = redact(&once.text);
        prop_assert_eq!(&twice.text, &once.text, "input: {:?}", text);
        prop_assert!(twice.found.is_empty(), "input: {:?}, second pass found {:?}", text, twice.found);
    }

    #[test]
    fn redaction_never_panics_and_is_idempotent_on_any_text(text in any::<String>()) {
        let once = redact(&text);
        prop_assert_eq!(redact(&once.text).text, once.text);
    }

    #[test]
    fn text_without_digits_or_at_is_unchanged(text in "[^0-9@]*") {
        let out = redact(&text);
        prop_assert_eq!(out.text, text);
        prop_assert!(out.found.is_empty());
    }

    #[test]
    fn every_placeholder_is_reported(pieces in proptest::collection::vec(piece(), 0..20)) {
        let text = pieces.concat();
        let out = redact(&text);
        let placeholders = ["[email]", "[phone]", "[card]", "[iban]"]
            .iter()
            .map(|p| out.text.matches(p).count() - text.matches(p).count())
            .sum::<usize>();
        prop_assert_eq!(placeholders, out.found.len());
    }
}
