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

/// What is stored of a shopper's feedback comment: the same stored form as a message
/// (redacted when the rules redact before storage), and nothing at all in store-nothing mode.
/// Regression for "feedback comments are stored unredacted" (issue 10, item 9).
pub fn stored_comment(comment: &str, rules: &PrivacyRules) -> Option<String> {
    rules.store_transcripts.then(|| {
        if rules.redact_pii_before_storage {
            redact(comment).text
        } else {
            comment.to_owned()
        }
    })
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

    #[test]
    fn feedback_comments_are_stored_in_the_same_form_as_messages() {
        let comment = "Wrong size, write to ana@example.com or +34 612 34 56 78";
        for rules in [
            rules(true, true, true),
            rules(true, true, false),
            rules(true, false, true),
            rules(false, true, true),
        ] {
            assert_eq!(
                stored_comment(comment, &rules),
                forms(comment, &rules).stored,
                "{rules:?}"
            );
        }
        assert_eq!(
            stored_comment(comment, &rules(true, true, false)).as_deref(),
            Some("Wrong size, write to [email] or [phone]")
        );
    }

    #[test]
    fn a_feedback_comment_is_not_stored_at_all_in_store_nothing_mode() {
        assert_eq!(
            stored_comment("great, thanks", &rules(false, false, false)),
            None
        );
    }
}
