//! Field-level validation of a [`TenantConfig`].

use super::TenantConfig;
use crate::cors::normalize_origin;
use crate::routes::valid_tenant_id;
use serde::Serialize;

/// One invalid field: a dotted path and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path, e.g. `public.theme.primary_color` or `knowledge[2].text`.
    pub field: String,
    /// What is wrong, in plain words.
    pub problem: String,
}

struct Check(Vec<FieldError>);

impl Check {
    fn fail(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            problem: problem.into(),
        });
    }

    fn text(&mut self, field: &str, value: &str, min: usize, max: usize) {
        let n = value.chars().count();
        if n < min || n > max {
            self.fail(field, format!("must be {min}–{max} characters (is {n})"));
        } else if value
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            self.fail(field, "must not contain control characters");
        }
    }

    fn color(&mut self, field: &str, value: &str) {
        if !is_css_color(value) {
            self.fail(
                field,
                "must be a CSS colour: #rgb, #rrggbb, #rrggbbaa, rgb(), hsl() or a colour name",
            );
        }
    }
}

/// Validates a whole config written to `path_tenant_id`. All problems are reported at once.
pub fn validate(config: &TenantConfig, path_tenant_id: &str) -> Result<(), Vec<FieldError>> {
    let mut c = Check(Vec::new());
    if config.tenant_id != path_tenant_id {
        c.fail("tenant_id", "must match the tenant id in the path");
    }
    if !valid_tenant_id(&config.tenant_id) {
        c.fail(
            "tenant_id",
            "must be 2–64 of a-z, 0-9 and -, starting with a letter",
        );
    }
    c.text("name", &config.name, 1, 120);
    if config.allowed_origins.is_empty() || config.allowed_origins.len() > 20 {
        c.fail("allowed_origins", "must list 1–20 origins");
    }
    for (i, origin) in config.allowed_origins.iter().enumerate() {
        if normalize_origin(origin).as_deref() != Some(origin.as_str()) {
            c.fail(
                format!("allowed_origins[{i}]"),
                "must be an exact origin like https://shop.example (scheme, host, optional port; no path or trailing slash)",
            );
        }
    }
    let theme = &config.public.theme;
    c.color("public.theme.primary_color", &theme.primary_color);
    c.color("public.theme.accent_color", &theme.accent_color);
    c.color("public.theme.background_color", &theme.background_color);
    c.color("public.theme.text_color", &theme.text_color);
    if !matches!(theme.launcher_icon.as_str(), "chat" | "help" | "bag") {
        c.fail("public.theme.launcher_icon", "must be chat, help or bag");
    }
    c.text("public.theme.title", &theme.title, 1, 60);
    if let Some(url) = &theme.avatar_url {
        if !is_https_url(url) {
            c.fail(
                "public.theme.avatar_url",
                "must be an https:// URL of at most 500 characters",
            );
        }
    }
    c.text("public.theme.font_family", &theme.font_family, 1, 200);
    if theme
        .font_family
        .contains([';', '{', '}', '<', '>', '\\', '(', ')'])
    {
        c.fail(
            "public.theme.font_family",
            "must be a plain font-family list",
        );
    }
    if theme.corner_radius > 32 {
        c.fail("public.theme.corner_radius", "must be 0–32");
    }
    let texts = &config.public.texts;
    if !is_locale(&texts.locale) {
        c.fail(
            "public.texts.locale",
            "must be a language tag like en or pt-BR",
        );
    }
    c.text("public.texts.greeting", &texts.greeting, 0, 500);
    c.text("public.texts.placeholder", &texts.placeholder, 0, 100);
    c.text("public.texts.consent_text", &texts.consent_text, 0, 1000);
    if config.privacy.consent_required && texts.consent_text.trim().is_empty() {
        c.fail(
            "public.texts.consent_text",
            "is required when privacy.consent_required is true",
        );
    }
    if config.public.suggested_questions.len() > 6 {
        c.fail(
            "public.suggested_questions",
            "must list at most 6 questions",
        );
    }
    for (i, q) in config.public.suggested_questions.iter().enumerate() {
        c.text(&format!("public.suggested_questions[{i}]"), q, 1, 120);
    }
    if let shopkeep_protocol::AutoOpen::AfterDelay { delay_ms } = config.public.auto_open {
        if !(1000..=600_000).contains(&delay_ms) {
            c.fail("public.auto_open.delay_ms", "must be 1000–600000");
        }
    }
    c.text("assistant.persona", &config.assistant.persona, 0, 4000);
    if let Some(model) = &config.assistant.model {
        c.text("assistant.model", model, 1, 100);
    }
    if !(16..=4096).contains(&config.assistant.max_output_tokens) {
        c.fail("assistant.max_output_tokens", "must be 16–4096");
    }
    if config.knowledge.len() > 200 {
        c.fail("knowledge", "must list at most 200 snippets");
    }
    for (i, s) in config.knowledge.iter().enumerate() {
        c.text(&format!("knowledge[{i}].id"), &s.id, 1, 64);
        c.text(&format!("knowledge[{i}].title"), &s.title, 1, 200);
        c.text(&format!("knowledge[{i}].text"), &s.text, 1, 8000);
    }
    if !(1..=3650).contains(&config.privacy.retention_days) {
        c.fail("privacy.retention_days", "must be 1–3650");
    }
    let l = &config.limits;
    for (field, v) in [
        (
            "limits.tenant_requests_per_minute",
            l.tenant_requests_per_minute,
        ),
        (
            "limits.session_requests_per_minute",
            l.session_requests_per_minute,
        ),
        ("limits.ip_requests_per_minute", l.ip_requests_per_minute),
        ("limits.max_concurrent_streams", l.max_concurrent_streams),
    ] {
        if !(1..=100_000).contains(&v) {
            c.fail(field, "must be 1–100000");
        }
    }
    if l.daily_token_budget == 0 || l.daily_token_budget > 10_000_000_000 {
        c.fail("limits.daily_token_budget", "must be 1–10000000000");
    }
    let (low, high) = super::ROUTE_BUDGET_RANGE;
    for class in crate::ratelimit::RouteClass::ALL {
        let budget = l.routes.budget(class);
        for (rate, v) in [
            ("ip_per_minute", budget.ip_per_minute),
            ("tenant_per_minute", budget.tenant_per_minute),
        ] {
            if !(low..=high).contains(&v) {
                c.fail(
                    format!("limits.routes.{}.{rate}", class.as_str()),
                    format!("must be {low}–{high}"),
                );
            }
        }
    }
    // Business hours and handoff rules: each problem the core names, under its section.
    for problem in config.handoff.hours.problems() {
        c.fail("handoff.hours", problem);
    }
    for problem in config.handoff.rules.problems() {
        c.fail("handoff.rules", problem);
    }
    if c.0.is_empty() {
        Ok(())
    } else {
        Err(c.0)
    }
}

fn is_https_url(url: &str) -> bool {
    url.len() <= 500
        && url.strip_prefix("https://").is_some_and(|rest| {
            let host = rest.split(['/', '?', '#']).next().unwrap_or("");
            !host.is_empty()
                && !host.contains('@')
                && rest.bytes().all(|b| {
                    b.is_ascii_graphic()
                        && !matches!(b, b'"' | b'\'' | b'(' | b')' | b'\\' | b'<' | b'>')
                })
        })
}

fn is_locale(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Parses a CSS colour strictly: hex forms, `rgb[a]()`/`hsl[a]()` with numeric arguments, or a
/// name from a fixed list. Anything else (including `;`, `url(`, `var(`) is refused, so a
/// colour can never inject CSS.
pub(crate) fn is_css_color(value: &str) -> bool {
    let v = value.trim();
    if v.len() > 64 || v.len() != value.len() {
        return false;
    }
    if let Some(hex) = v.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let lower = v.to_ascii_lowercase();
    for func in ["rgba(", "rgb(", "hsla(", "hsl("] {
        if let Some(args) = lower.strip_prefix(func).and_then(|r| r.strip_suffix(')')) {
            let parts: Vec<&str> = args
                .split([',', ' ', '/'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .collect();
            return (3..=4).contains(&parts.len())
                && parts.iter().all(|p| {
                    let num = p
                        .strip_suffix('%')
                        .or_else(|| p.strip_suffix("deg"))
                        .unwrap_or(p);
                    !num.is_empty() && num.parse::<f32>().is_ok_and(f32::is_finite)
                });
        }
    }
    NAMED_COLORS.contains(&lower.as_str())
}

const NAMED_COLORS: &[&str] = &[
    "black",
    "white",
    "red",
    "green",
    "blue",
    "yellow",
    "orange",
    "purple",
    "pink",
    "brown",
    "gray",
    "grey",
    "silver",
    "gold",
    "navy",
    "teal",
    "olive",
    "maroon",
    "lime",
    "aqua",
    "cyan",
    "magenta",
    "fuchsia",
    "indigo",
    "violet",
    "coral",
    "salmon",
    "crimson",
    "tomato",
    "orchid",
    "plum",
    "khaki",
    "beige",
    "ivory",
    "lavender",
    "turquoise",
    "tan",
    "chocolate",
    "sienna",
    "darkgreen",
    "darkblue",
    "darkred",
    "darkgray",
    "darkgrey",
    "lightgray",
    "lightgrey",
    "whitesmoke",
    "slategray",
    "slategrey",
    "steelblue",
    "royalblue",
    "seagreen",
    "forestgreen",
    "midnightblue",
    "rebeccapurple",
    "transparent",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tenant::tests::demo;

    fn problems(config: &TenantConfig) -> Vec<String> {
        validate(config, &config.tenant_id)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn colours_are_parsed_not_pattern_matched() {
        for ok in [
            "#fff",
            "#0f766e",
            "#0f766ecc",
            "rgb(1, 2, 3)",
            "rgba(1 2 3 / 50%)",
            "hsl(120deg 50% 40%)",
            "Teal",
        ] {
            assert!(is_css_color(ok), "{ok}");
        }
        for bad in [
            "",
            "#ff",
            "#ggg",
            "red;background:url(x)",
            "var(--x)",
            "url(https://x)",
            "rgb(1,2)",
            "expression(alert(1))",
            "#fff }",
            " #fff",
            "rgb(1,2,3);x:y",
        ] {
            assert!(!is_css_color(bad), "{bad}");
        }
    }

    #[test]
    fn invalid_fields_are_all_reported_by_path() {
        let mut c = demo();
        c.public.theme.primary_color = "red; position: fixed".into();
        c.public.theme.avatar_url = Some("http://insecure.example/a.png".into());
        c.allowed_origins.push("https://shop.example/".into());
        c.knowledge[1].text = String::new();
        c.privacy.consent_required = true;
        assert_eq!(
            problems(&c),
            vec![
                "allowed_origins[2]",
                "public.theme.primary_color",
                "public.theme.avatar_url",
                "public.texts.consent_text",
                "knowledge[1].text"
            ]
        );
    }

    #[test]
    fn the_tenant_id_must_match_the_path() {
        let c = demo();
        assert!(validate(&c, "other").is_err());
    }

    #[test]
    fn handoff_settings_are_validated_with_the_cores_problems() {
        let mut c = demo();
        c.handoff.hours.time_zone = "Mars/Olympus".into();
        c.handoff.rules.reply_minutes = 0;
        let errors = validate(&c, "demo").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["handoff.hours", "handoff.rules"], "{errors:?}");
        assert!(errors[1].problem.contains("reply_minutes"), "{errors:?}");
    }

    #[test]
    fn route_budgets_are_bounded_and_reported_by_class() {
        let mut c = demo();
        c.limits.routes.session.ip_per_minute = 0;
        c.limits.routes.privacy.tenant_per_minute = 100_001;
        assert_eq!(
            problems(&c),
            vec![
                "limits.routes.session.ip_per_minute",
                "limits.routes.privacy.tenant_per_minute"
            ]
        );
    }
}
