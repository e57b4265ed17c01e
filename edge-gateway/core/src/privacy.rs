//! What of a message is stored and what reaches the AI runtime, per the tenant's privacy rules
//! (SPEC §6): PII redaction before storage and/or before the AI runtime, and the
//! store-nothing mode.

use crate::prompt::HistoryTurn;
use crate::redaction::redact;
use crate::tenant::PrivacyRules;

/// The forms of one message text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forms {
    /// What is written to storage; `None` when transcripts are not stored at all.
    pub stored: Option<String>,
    /// What is sent to the AI runtime.
    pub for_ai: String,
}

/// Applies the rules to a message text.
pub fn forms(text: &str, rules: &PrivacyRules) -> Forms {
    let redacted =
        (rules.redact_pii_before_storage || rules.redact_pii_before_ai).then(|| redact(text).text);
    let pick = |redact_it: bool| match (&redacted, redact_it) {
        (Some(r), true) => r.clone(),
        _ => text.to_owned(),
    };
    Forms {
        stored: rules
            .store_transcripts
            .then(|| pick(rules.redact_pii_before_storage)),
        for_ai: pick(rules.redact_pii_before_ai),
    }
}

/// History as the AI runtime may see it (stored history may predate a rule change, so it is
/// redacted again when the rules say so).
pub fn history_for_ai(history: Vec<HistoryTurn>, rules: &PrivacyRules) -> Vec<HistoryTurn> {
    if !rules.redact_pii_before_ai {
        return history;
    }
    history
        .into_iter()
        .map(|turn| HistoryTurn {
            text: redact(&turn.text).text,
            ..turn
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Write to ana@example.com please";

    fn rules(store: bool, before_storage: bool, before_ai: bool) -> PrivacyRules {
        PrivacyRules {
            store_transcripts: store,
            redact_pii_before_storage: before_storage,
            redact_pii_before_ai: before_ai,
            ..PrivacyRules::default()
        }
    }

    #[test]
    fn each_rule_redacts_only_its_own_destination() {
        let f = forms(TEXT, &rules(true, false, true));
        assert_eq!(f.stored.as_deref(), Some(TEXT));
        assert!(!f.for_ai.contains("ana@example.com"));
        let f = forms(TEXT, &rules(true, true, false));
        assert!(!f.stored.unwrap().contains("ana@example.com"));
        assert_eq!(f.for_ai, TEXT);
    }

    #[test]
    fn store_nothing_mode_stores_nothing() {
        assert_eq!(forms(TEXT, &rules(false, true, true)).stored, None);
    }
}
