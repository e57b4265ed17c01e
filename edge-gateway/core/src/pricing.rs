//! Cost estimates for telemetry: a price table per model, set by the operator in the
//! `AI_PRICES` var as JSON, e.g. `{"gpt-4o-mini": {"input_per_million_usd": 0.15,
//! "output_per_million_usd": 0.6}}`. Unknown models have no estimate (stored as NULL), never a
//! guessed one.

use serde::Deserialize;
use shopkeep_protocol::Usage;
use std::collections::HashMap;

/// Prices of one model, in US dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    /// Prompt tokens.
    pub input_per_million_usd: f64,
    /// Completion tokens.
    pub output_per_million_usd: f64,
}

/// Prices by model name.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct PriceTable(pub HashMap<String, ModelPrice>);

impl PriceTable {
    /// Parses the `AI_PRICES` var; empty or invalid text gives an empty table (and the caller
    /// logs the problem once).
    pub fn parse(json: &str) -> Result<PriceTable, String> {
        if json.trim().is_empty() {
            return Ok(PriceTable::default());
        }
        let table: PriceTable =
            serde_json::from_str(json).map_err(|e| format!("AI_PRICES is not valid: {e}"))?;
        for (model, price) in &table.0 {
            let ok = |v: f64| v.is_finite() && (0.0..=10_000.0).contains(&v);
            if !ok(price.input_per_million_usd) || !ok(price.output_per_million_usd) {
                return Err(format!(
                    "AI_PRICES: prices of {model} must be 0–10000 USD per million tokens"
                ));
            }
        }
        Ok(table)
    }

    /// Estimated cost of one answer in millionths of a US dollar, rounded up; `None` when the
    /// model has no price.
    pub fn cost_micro_usd(&self, model: &str, usage: &Usage) -> Option<u64> {
        let price = self.0.get(model)?;
        let usd = f64::from(usage.prompt_tokens) * price.input_per_million_usd / 1e6
            + f64::from(usage.completion_tokens) * price.output_per_million_usd / 1e6;
        Some((usd * 1e6).ceil() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_are_computed_from_the_table_and_unknown_models_have_none() {
        let table = PriceTable::parse(
            r#"{"m": {"input_per_million_usd": 0.15, "output_per_million_usd": 0.6}}"#,
        )
        .unwrap();
        let usage = Usage {
            prompt_tokens: 1_000_000,
            completion_tokens: 500_000,
            estimated: false,
        };
        assert_eq!(table.cost_micro_usd("m", &usage), Some(450_000));
        assert_eq!(table.cost_micro_usd("other", &usage), None);
        let small = Usage {
            prompt_tokens: 1,
            completion_tokens: 0,
            estimated: true,
        };
        assert_eq!(
            table.cost_micro_usd("m", &small),
            Some(1),
            "rounded up, never free"
        );
    }

    #[test]
    fn bad_tables_are_refused_with_a_reason() {
        assert!(PriceTable::parse("").unwrap().0.is_empty());
        assert!(PriceTable::parse("{").is_err());
        assert!(PriceTable::parse(
            r#"{"m": {"input_per_million_usd": -1, "output_per_million_usd": 1}}"#
        )
        .is_err());
        assert!(PriceTable::parse(r#"{"m": {"input": 1}}"#).is_err());
    }
}
