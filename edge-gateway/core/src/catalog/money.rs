//! Prices from shop data: decimal strings ("129.99"), amounts already in minor units
//! (WooCommerce's `"12999"` with `currency_minor_unit: 2`) and feed prices ("129.99 EUR"),
//! all into [`Money`] without a float ever rounding them.
//!
//! Owns: the ISO 4217 exponent table and decimal parsing. A price with no currency or an
//! amount that does not parse is an error, never a zero.

use shopkeep_protocol::Money;

/// Digits after the decimal point of an ISO 4217 currency; `None` for a code that is not
/// three ASCII letters. Codes not in the table (rare ones) default to 2, as most do.
pub fn exponent(currency: &str) -> Option<u8> {
    if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let code = currency.to_ascii_uppercase();
    Some(match code.as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    })
}

/// Why a price was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PriceError {
    /// No currency was given (neither with the price nor for the source).
    #[error("price has no currency")]
    NoCurrency,
    /// The currency is not an ISO 4217 code.
    #[error("currency `{0}` is not an ISO 4217 code")]
    BadCurrency(String),
    /// The amount is not a decimal number (or is negative, or too large).
    #[error("price `{0}` is not a valid amount")]
    BadAmount(String),
    /// More decimals than the currency has (e.g. "1.005 EUR").
    #[error("price `{0}` has more decimals than its currency allows")]
    TooPrecise(String),
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// A decimal amount ("129.99", "1,299.00" is refused: thousands separators are ambiguous)
/// in `currency`.
pub fn parse_decimal(amount: &str, currency: &str) -> Result<Money, PriceError> {
    let currency = currency.trim();
    if currency.is_empty() {
        return Err(PriceError::NoCurrency);
    }
    let exp = exponent(currency).ok_or_else(|| PriceError::BadCurrency(clip(currency)))?;
    let amount_minor = decimal_to_minor(amount.trim(), exp)?;
    Ok(Money {
        amount_minor,
        currency: currency.to_ascii_uppercase(),
        exponent: exp,
    })
}

/// A decimal string as minor units of a currency with `exp` decimals.
pub fn decimal_to_minor(amount: &str, exp: u8) -> Result<i64, PriceError> {
    let bad = || PriceError::BadAmount(clip(amount));
    let (whole, frac) = match amount.split_once('.') {
        Some((w, f)) => (w, f),
        None => (amount, ""),
    };
    if whole.is_empty() || whole.len() > 12 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || (amount.contains('.') && frac.is_empty()) {
        return Err(bad());
    }
    let significant = frac.trim_end_matches('0');
    if significant.len() > usize::from(exp) {
        return Err(PriceError::TooPrecise(clip(amount)));
    }
    let mut minor: i64 = whole.parse().map_err(|_| bad())?;
    for i in 0..usize::from(exp) {
        let digit = significant
            .as_bytes()
            .get(i)
            .map_or(0, |b| i64::from(b - b'0'));
        minor = minor.checked_mul(10).ok_or_else(bad)? + digit;
    }
    Ok(minor)
}

/// A feed price: "129.99 EUR" (also "EUR 129.99"); a bare number uses `default_currency`.
pub fn parse_with_code(text: &str, default_currency: Option<&str>) -> Result<Money, PriceError> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    match parts.as_slice() {
        [amount, code] if exponent(code).is_some() => parse_decimal(amount, code),
        [code, amount] if exponent(code).is_some() => parse_decimal(amount, code),
        [amount] => match default_currency {
            Some(code) => parse_decimal(amount, code),
            None => {
                decimal_to_minor(amount, 2)?;
                Err(PriceError::NoCurrency)
            }
        },
        _ => Err(PriceError::BadAmount(clip(text))),
    }
}

/// An amount already in minor units (WooCommerce Store API: `"12999"` with
/// `currency_minor_unit: 2`).
pub fn from_minor(minor: &str, currency: &str, exp: u8) -> Result<Money, PriceError> {
    let currency = currency.trim();
    if currency.is_empty() {
        return Err(PriceError::NoCurrency);
    }
    if exponent(currency).is_none() {
        return Err(PriceError::BadCurrency(clip(currency)));
    }
    let trimmed = minor.trim();
    if trimmed.is_empty() || trimmed.len() > 15 || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PriceError::BadAmount(clip(minor)));
    }
    Ok(Money {
        amount_minor: trimmed
            .parse()
            .map_err(|_| PriceError::BadAmount(clip(minor)))?,
        currency: currency.to_ascii_uppercase(),
        exponent: exp,
    })
}

/// A number the model or shopper gave ("200", "199.5") as minor units of a currency with
/// `exp` decimals, rounding half up (a filter, not a price: rounding is harmless here).
pub fn filter_amount(value: f64, exp: u8) -> Option<i64> {
    if !value.is_finite() || !(0.0..=1e12).contains(&value) {
        return None;
    }
    Some((value * 10f64.powi(i32::from(exp))).round() as i64)
}

/// "129.99" for 12999 with exponent 2.
pub fn format_plain(money: &Money) -> String {
    let exp = u32::from(money.exponent);
    if exp == 0 {
        return money.amount_minor.to_string();
    }
    let div = 10i64.pow(exp);
    format!(
        "{}.{:0width$}",
        money.amount_minor / div,
        money.amount_minor % div,
        width = exp as usize
    )
}
