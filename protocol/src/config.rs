//! The tenant's public config: what `GET /v1/tenants/{id}/config` serves to the widget.
//!
//! Values here were validated by the gateway when the tenant saved them (colours are real CSS
//! colours, URLs are https); the widget still treats them as untrusted text and only ever sets
//! them as CSS custom property values or attributes, never as markup.

use serde::{Deserialize, Serialize};

/// Everything the widget needs to know about a tenant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicConfig {
    /// The tenant id, e.g. `demo`.
    pub tenant_id: String,
    /// Version of the config; bumps on every saved change.
    #[serde(default)]
    pub version: u64,
    /// Look and feel.
    #[serde(default)]
    pub theme: Theme,
    /// Strings shown to the shopper.
    #[serde(default)]
    pub texts: Texts,
    /// Questions offered as one-click chips before the first message.
    #[serde(default)]
    pub suggested_questions: Vec<String>,
    /// Whether the panel opens by itself.
    #[serde(default)]
    pub auto_open: AutoOpen,
    /// Privacy rules the widget must know about.
    #[serde(default)]
    pub privacy: PublicPrivacy,
}

/// Colours, placement and shape of the widget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Theme {
    /// Launcher, header and the shopper's bubbles.
    pub primary_color: String,
    /// Links and focus rings.
    pub accent_color: String,
    /// Panel background.
    pub background_color: String,
    /// Body text.
    pub text_color: String,
    /// Which bottom corner the launcher sits in.
    pub launcher_position: LauncherPosition,
    /// Launcher icon: `chat`, `help` or `bag`.
    pub launcher_icon: String,
    /// Panel title.
    pub title: String,
    /// Optional https URL of the assistant's avatar.
    pub avatar_url: Option<String>,
    /// CSS font-family list.
    pub font_family: String,
    /// Corner radius in pixels.
    pub corner_radius: u8,
    /// Light, dark or following the shopper's system.
    pub color_scheme: ColorScheme,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            primary_color: "#1f6feb".into(),
            accent_color: "#0b5cd5".into(),
            background_color: "#ffffff".into(),
            text_color: "#1b1f24".into(),
            launcher_position: LauncherPosition::Right,
            launcher_icon: "chat".into(),
            title: "Shop assistant".into(),
            avatar_url: None,
            font_family: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif".into(),
            corner_radius: 12,
            color_scheme: ColorScheme::Light,
        }
    }
}

/// Bottom corner of the launcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum LauncherPosition {
    /// Bottom left.
    Left,
    /// Bottom right.
    #[default]
    Right,
}

/// Colour scheme of the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ColorScheme {
    /// Always light.
    #[default]
    Light,
    /// Always dark.
    Dark,
    /// Follow `prefers-color-scheme`.
    Auto,
}

/// Strings shown to the shopper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Texts {
    /// BCP 47 locale of the texts and of the widget's own strings, e.g. `en` or `pt-BR`.
    pub locale: String,
    /// First assistant bubble.
    pub greeting: String,
    /// Composer placeholder.
    pub placeholder: String,
    /// Consent notice shown before the first message when consent is required.
    pub consent_text: String,
}

impl Default for Texts {
    fn default() -> Self {
        Texts {
            locale: "en".into(),
            greeting: "Hi! How can I help you today?".into(),
            placeholder: "Type your question…".into(),
            consent_text: String::new(),
        }
    }
}

/// Whether and when the panel opens by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AutoOpen {
    /// Only the shopper opens the panel.
    #[default]
    Off,
    /// Open after the page has been idle this long.
    AfterDelay {
        /// Delay in milliseconds.
        delay_ms: u32,
    },
}

/// Privacy rules the widget must know about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicPrivacy {
    /// Show a consent notice and send the decision before the first message.
    pub consent_required: bool,
    /// Whether transcripts are stored (shown to the shopper in the notice).
    pub stores_transcripts: bool,
}

impl Default for PublicPrivacy {
    fn default() -> Self {
        PublicPrivacy {
            consent_required: false,
            stores_transcripts: true,
        }
    }
}
