//! Prices are exact minor units; a missing currency or bad amount is an error, never zero.

use proptest::prelude::*;
use shopkeep_gateway_core::catalog::money::{self, PriceError};

#[test]
fn decimal_prices_become_minor_units_of_their_currency() {
    let m = money::parse_decimal("129.99", "eur").unwrap();
    assert_eq!(
        (m.amount_minor, m.currency.as_str(), m.exponent),
        (12999, "EUR", 2)
    );
    assert_eq!(
        money::parse_decimal("129.9", "EUR").unwrap().amount_minor,
        12990
    );
    assert_eq!(
        money::parse_decimal("129", "EUR").unwrap().amount_minor,
        12900
    );
    let yen = money::parse_decimal("1500", "JPY").unwrap();
    assert_eq!((yen.amount_minor, yen.exponent), (1500, 0));
    assert_eq!(
        money::parse_decimal("1.250", "KWD").unwrap().amount_minor,
        1250
    );
    assert_eq!(
        money::parse_decimal("10.00", "JPY").unwrap().amount_minor,
        10
    );
}

#[test]
fn a_price_without_currency_or_with_a_bad_amount_is_an_error_not_zero() {
    assert_eq!(
        money::parse_decimal("12.00", ""),
        Err(PriceError::NoCurrency)
    );
    assert!(matches!(
        money::parse_decimal("12.00", "EURO"),
        Err(PriceError::BadCurrency(_))
    ));
    for bad in ["", "abc", "12,99", "-5", "1.2.3", "12.", ".5", "1e3", "NaN"] {
        assert!(
            matches!(
                money::parse_decimal(bad, "EUR"),
                Err(PriceError::BadAmount(_))
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        money::parse_decimal("1.005", "EUR"),
        Err(PriceError::TooPrecise(_))
    ));
    assert_eq!(
        money::parse_with_code("129.99", None),
        Err(PriceError::NoCurrency)
    );
    assert!(money::parse_with_code("free", None).is_err());
}

#[test]
fn feed_prices_carry_their_code_either_side() {
    assert_eq!(
        money::parse_with_code("129.99 EUR", None)
            .unwrap()
            .amount_minor,
        12999
    );
    assert_eq!(
        money::parse_with_code("USD 5", None).unwrap().currency,
        "USD"
    );
    assert_eq!(
        money::parse_with_code("5.5", Some("GBP"))
            .unwrap()
            .amount_minor,
        550
    );
}

#[test]
fn minor_unit_amounts_keep_their_exponent() {
    let m = money::from_minor("12999", "EUR", 2).unwrap();
    assert_eq!(money::format_plain(&m), "129.99");
    assert!(money::from_minor("12.99", "EUR", 2).is_err());
    assert_eq!(money::from_minor("100", "", 2), Err(PriceError::NoCurrency));
}

proptest! {
    #[test]
    fn decimal_round_trips(whole in 0i64..10_000_000, cents in 0i64..100) {
        let text = format!("{whole}.{cents:02}");
        let m = money::parse_decimal(&text, "EUR").unwrap();
        prop_assert_eq!(m.amount_minor, whole * 100 + cents);
        prop_assert_eq!(money::format_plain(&m), text);
    }

    #[test]
    fn any_string_parses_or_errors_without_panicking(s in ".{0,24}", c in "[A-Za-z]{0,4}") {
        if let Ok(m) = money::parse_decimal(&s, &c) {
            prop_assert!(m.amount_minor >= 0);
            prop_assert_eq!(m.currency.len(), 3);
        }
    }
}
