//! A tenant's whole config (public and private parts), its validation, and what of it the
//! widget may see.
//!
//! Validation runs on every write: a config that fails is refused with field-level errors, so
//! the stored config is never invalid (SPEC §2).

use crate::retrieval::Snippet;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shopkeep_protocol::{PublicConfig, PublicPrivacy, Texts, Theme};

mod route_limits;
mod validate;
pub use route_limits::{RouteBudget, RouteLimits, ROUTE_BUDGET_RANGE};
pub use validate::{validate, FieldError};

/// The full config of a tenant, as stored and as written through the platform/admin APIs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantConfig {
    /// The tenant id (must match the path it is written to).
    pub tenant_id: String,
    /// Display name for the console.
    pub name: String,
    /// Browser origins allowed to use the widget routes, exact `scheme://host[:port]`.
    pub allowed_origins: Vec<String>,
    /// What the widget sees.
    #[serde(default)]
    pub public: PublicPart,
    /// The assistant's persona and model.
    #[serde(default)]
    pub assistant: Assistant,
    /// Knowledge snippets the assistant answers from.
    #[serde(default)]
    pub knowledge: Vec<Snippet>,
    /// Privacy rules.
    #[serde(default)]
    pub privacy: PrivacyRules,
    /// Rate limits and budgets.
    #[serde(default)]
    pub limits: Limits,
    /// Business hours and handoff rules (issue 14).
    #[serde(default)]
    pub handoff: crate::handoff_wire::Settings,
}

/// The public part of the config (the widget's [`PublicConfig`] minus id and version).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PublicPart {
    /// Look and feel.
    pub theme: Theme,
    /// Strings.
    pub texts: Texts,
    /// One-click questions.
    pub suggested_questions: Vec<String>,
    /// Auto-open behaviour.
    pub auto_open: shopkeep_protocol::AutoOpen,
    /// Ignored on write: derived from [`PrivacyRules`]. Accepted so a public config can be
    /// round-tripped.
    pub privacy: Option<PublicPrivacy>,
}

/// The assistant's persona and model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Assistant {
    /// System-prompt persona.
    pub persona: String,
    /// Model name; `None` uses the gateway's `AI_MODEL`.
    pub model: Option<String>,
    /// Cap on answer length in tokens.
    pub max_output_tokens: u32,
}

impl Default for Assistant {
    fn default() -> Self {
        Assistant {
            persona: "You are a helpful shopping assistant.".into(),
            model: None,
            max_output_tokens: 400,
        }
    }
}

/// Privacy rules enforced by the gateway.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyRules {
    /// A consent notice must be accepted before the first message.
    pub consent_required: bool,
    /// Whether transcripts are stored at all.
    pub store_transcripts: bool,
    /// Conversations older than this are purged.
    pub retention_days: u32,
    /// Redact PII before storing messages.
    pub redact_pii_before_storage: bool,
    /// Redact PII before sending messages to the AI runtime.
    pub redact_pii_before_ai: bool,
    /// Only identified (logged-in) shoppers may chat.
    pub identity_required: bool,
}

impl Default for PrivacyRules {
    fn default() -> Self {
        PrivacyRules {
            consent_required: false,
            store_transcripts: true,
            retention_days: 30,
            redact_pii_before_storage: false,
            redact_pii_before_ai: true,
            identity_required: false,
        }
    }
}

/// Rate limits and budgets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Chat requests per minute for the whole tenant.
    pub tenant_requests_per_minute: u32,
    /// Chat requests per minute per session.
    pub session_requests_per_minute: u32,
    /// Chat requests per minute per client IP.
    pub ip_requests_per_minute: u32,
    /// Streams open at once for the tenant.
    pub max_concurrent_streams: u32,
    /// Model tokens per UTC day.
    pub daily_token_budget: u64,
    /// Budgets of the other widget routes (sessions, consent, privacy, feedback, history,
    /// public config); stored configs without them get the defaults.
    pub routes: RouteLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tenant_requests_per_minute: 600,
            session_requests_per_minute: 20,
            ip_requests_per_minute: 60,
            max_concurrent_streams: 50,
            daily_token_budget: 2_000_000,
            routes: RouteLimits::default(),
        }
    }
}

impl TenantConfig {
    /// The config the widget sees, at a given stored version.
    pub fn public_config(&self, version: u64) -> PublicConfig {
        PublicConfig {
            tenant_id: self.tenant_id.clone(),
            version,
            theme: self.public.theme.clone(),
            texts: self.public.texts.clone(),
            suggested_questions: self.public.suggested_questions.clone(),
            auto_open: self.public.auto_open,
            privacy: PublicPrivacy {
                consent_required: self.privacy.consent_required,
                stores_transcripts: self.privacy.store_transcripts,
            },
        }
    }
}

/// A strong ETag for a serialised public config: `"<version>-<first 16 hex of SHA-256>"`.
pub fn etag(version: u64, public_json: &str) -> String {
    let digest = Sha256::digest(public_json.as_bytes());
    let mut hex = String::with_capacity(16);
    for b in &digest[..8] {
        hex.push_str(&format!("{b:02x}"));
    }
    format!("\"{version}-{hex}\"")
}

/// Whether an `If-None-Match` header value matches `etag` (handles lists, `W/` and `*`).
pub fn if_none_match_matches(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn demo() -> TenantConfig {
        serde_json::from_str(include_str!("../../../demo-site/tenants/demo.json")).unwrap()
    }

    #[test]
    fn the_demo_tenant_parses_and_validates() {
        let demo = demo();
        assert_eq!(validate(&demo, "demo"), Ok(()));
        let public = demo.public_config(3);
        assert_eq!(public.version, 3);
        assert_eq!(public.theme.title, "Acme Outfitters");
    }

    #[test]
    fn etags_change_with_content_and_match_if_none_match_forms() {
        let a = etag(1, "{\"a\":1}");
        let b = etag(1, "{\"a\":2}");
        assert_ne!(a, b);
        assert!(if_none_match_matches(&a, &a));
        assert!(if_none_match_matches(&format!("W/{a}"), &a));
        assert!(if_none_match_matches(&format!("\"x\", {a}"), &a));
        assert!(if_none_match_matches("*", &a));
        assert!(!if_none_match_matches(&b, &a));
    }
}
