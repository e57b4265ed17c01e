//! Theme → CSS custom properties.
//!
//! The shell sets each pair with `element.style.setProperty(name, value)` on the panel's host —
//! never through a style attribute or stylesheet text — and the stylesheet reads only these
//! variables. Values were validated by the gateway; they are validated again here because a
//! cached config in `localStorage` is writable by any script on the page, and a value such as
//! `red;background:url(//tracker)` must never reach the CSS engine. An invalid value falls back
//! to the default theme's.

use shopkeep_protocol::{ColorScheme, LauncherPosition, Theme};

/// The CSS custom properties for a theme, as `(name, value)` pairs.
pub fn css_vars(theme: &Theme) -> Vec<(&'static str, String)> {
    let d = Theme::default();
    let colour = |v: &str, fallback: &str| -> String {
        if is_safe_colour(v) {
            v.trim().into()
        } else {
            fallback.into()
        }
    };
    let font = if is_safe_font_family(&theme.font_family) {
        &theme.font_family
    } else {
        &d.font_family
    };
    let mut radius = String::new();
    crate::text::push_number(&mut radius, theme.corner_radius.min(32).into());
    radius.push_str("px");
    vec![
        (
            "--sk-primary",
            colour(&theme.primary_color, &d.primary_color),
        ),
        ("--sk-accent", colour(&theme.accent_color, &d.accent_color)),
        (
            "--sk-bg",
            colour(&theme.background_color, &d.background_color),
        ),
        ("--sk-fg", colour(&theme.text_color, &d.text_color)),
        ("--sk-font", font.trim().into()),
        ("--sk-radius", radius),
    ]
}

/// Value of the panel's `data-side` attribute, which the stylesheet uses for placement.
pub fn side(theme: &Theme) -> &'static str {
    match theme.launcher_position {
        LauncherPosition::Left => "left",
        LauncherPosition::Right => "right",
    }
}

/// Value of the panel's `data-scheme` attribute (`light`, `dark`, `auto`).
pub fn scheme(theme: &Theme) -> &'static str {
    match theme.color_scheme {
        ColorScheme::Light => "light",
        ColorScheme::Dark => "dark",
        ColorScheme::Auto => "auto",
    }
}

/// A hex colour, a named colour, or an `rgb()/rgba()/hsl()/hsla()` call with numeric arguments.
pub fn is_safe_colour(v: &str) -> bool {
    let v = v.trim();
    if v.is_empty() || v.len() > 64 {
        return false;
    }
    if let Some(hex) = v.strip_prefix('#') {
        return matches!(hex.len(), 3 | 4 | 6 | 8) && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if v.bytes().all(|b| b.is_ascii_alphabetic()) {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    let args = ["rgb(", "rgba(", "hsl(", "hsla("]
        .iter()
        .find_map(|f| lower.strip_prefix(f))
        .and_then(|rest| rest.strip_suffix(')'));
    args.is_some_and(|a| {
        a.bytes().all(|b| {
            b.is_ascii_digit() || b" .,%/-+".contains(&b) || b == b'd' || b == b'e' || b == b'g'
        })
    })
}

/// A font-family list: names, spaces, commas, hyphens and quotes — no `;`, braces, `url(` or `\`.
/// Non-ASCII characters are allowed (font names in any script; CSS treats them as name letters).
pub fn is_safe_font_family(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v.len() <= 200
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b >= 0x80 || b" ,-_'\"".contains(&b))
        && v.matches('"').count().is_multiple_of(2)
        && v.matches('\'').count().is_multiple_of(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_theme_maps_to_variables() {
        let vars = css_vars(&Theme::default());
        assert_eq!(vars[0], ("--sk-primary", "#1f6feb".to_string()));
        assert_eq!(vars[5], ("--sk-radius", "12px".to_string()));
    }

    #[test]
    fn injected_values_fall_back_to_defaults() {
        let theme = Theme {
            primary_color: "red;background:url(//t.example/x)".into(),
            accent_color: "rgb(1,2,3)".into(),
            text_color: "expression(alert(1))".into(),
            font_family: "x}body{display:none".into(),
            corner_radius: 255,
            ..Theme::default()
        };
        let vars = css_vars(&theme);
        let d = Theme::default();
        assert_eq!(vars[0].1, d.primary_color);
        assert_eq!(vars[1].1, "rgb(1,2,3)");
        assert_eq!(vars[3].1, d.text_color);
        assert_eq!(vars[4].1, d.font_family);
        assert_eq!(vars[5].1, "32px");
    }

    #[test]
    fn real_colours_pass() {
        for c in [
            "#fff",
            "#1F6FEB",
            "#11223344",
            "rebeccapurple",
            "rgba(0, 0, 0, .5)",
            "hsl(210deg 50% 40% / 80%)",
        ] {
            assert!(is_safe_colour(c), "{c}");
        }
        for c in [
            "",
            "#ggg",
            "url(x)",
            "red;",
            "rgb(1,2,3);x:y",
            "var(--x)",
            "rgb(1,2,3) !important",
        ] {
            assert!(!is_safe_colour(c), "{c}");
        }
    }

    proptest! {
        #[test]
        fn no_value_can_escape_a_declaration(p in "\\PC{0,40}", f in "\\PC{0,40}") {
            let theme = Theme { primary_color: p, font_family: f, ..Theme::default() };
            for (_, v) in css_vars(&theme) {
                prop_assert!(!v.contains([';', '{', '}', '\\', '<']), "{}", v);
                prop_assert!(!v.to_ascii_lowercase().contains("url("), "{}", v);
            }
        }
    }
}
