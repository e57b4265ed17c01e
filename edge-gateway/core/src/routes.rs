//! The gateway's route table, as a pure function from method and path to a [`Route`].
//!
//! Unknown paths are `404 not_found`; known paths with another method are `405
//! method_not_allowed` (the shell adds the `Allow` header from [`allowed_methods`]).

use crate::{Error, Result};
use shopkeep_protocol::ErrorCode;

/// HTTP methods the gateway distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET
    Get,
    /// HEAD (answered like GET without a body)
    Head,
    /// POST
    Post,
    /// PUT
    Put,
    /// DELETE
    Delete,
    /// OPTIONS (CORS preflight)
    Options,
    /// Anything else.
    Other,
}

impl Method {
    /// Parses an HTTP method name.
    pub fn parse(name: &str) -> Method {
        match name {
            "GET" => Method::Get,
            "HEAD" => Method::Head,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "DELETE" => Method::Delete,
            "OPTIONS" => Method::Options,
            _ => Method::Other,
        }
    }
}

/// A matched route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `GET /healthz`
    Health,
    /// `OPTIONS` on any `/v1/` path: CORS preflight.
    Preflight,
    /// `GET /v1/tenants/{id}/config`
    PublicConfig {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/sessions`
    CreateSession,
    /// `POST /v1/chat`
    Chat,
    /// `GET /v1/conversation`
    Conversation,
    /// `POST /v1/consent`
    Consent,
    /// `POST /v1/messages/{id}/feedback`
    Feedback {
        /// The assistant message rated.
        message_id: String,
    },
    /// `PUT /v1/platform/tenants/{id}`
    PlatformPutTenant {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/platform/tenants/{id}/keys`
    PlatformKeys {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/config`
    AdminGetConfig {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `PUT /v1/admin/tenants/{id}/config`
    AdminPutConfig {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/keys/rotate`
    AdminRotateKey {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/conversations`
    AdminConversations {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/conversations/{conversation_id}`
    AdminTranscript {
        /// Tenant id from the path.
        tenant_id: String,
        /// Conversation id from the path.
        conversation_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/analytics`
    AdminAnalytics {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/audit`
    AdminAudit {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/privacy/export`
    AdminExport {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/privacy/erase`
    AdminErase {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/catalog`
    AdminCatalog {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `PUT /v1/admin/tenants/{id}/catalog/source`
    AdminCatalogPutSource {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `DELETE /v1/admin/tenants/{id}/catalog/source`
    AdminCatalogDeleteSource {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/catalog/sync`
    AdminCatalogSync {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/catalog/upload`
    AdminCatalogUpload {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/catalog/search`
    AdminCatalogSearch {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/orders/source` (issue 13)
    AdminOrdersGetSource {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `PUT /v1/admin/tenants/{id}/orders/source`
    AdminOrdersPutSource {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `DELETE /v1/admin/tenants/{id}/orders/source`
    AdminOrdersDeleteSource {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `/v1/admin/tenants/{id}/staff/…`: staff accounts, passkeys, sessions (see
    /// [`crate::staff_access`])
    AdminStaff {
        /// Tenant id from the path.
        tenant_id: String,
        /// The staff operation.
        route: crate::staff_access::StaffRoute,
    },
    /// `/v1/admin/tenants/{id}/knowledge/…` (issue 15; see [`crate::knowledge`])
    AdminKnowledge {
        /// Tenant id from the path.
        tenant_id: String,
        /// The knowledge operation.
        route: crate::knowledge::KnowledgeRoute,
    },
    /// `POST /v1/privacy/export`
    ShopperExport,
    /// `POST /v1/privacy/erase`
    ShopperErase,
    /// `POST /v1/handoff`: the shopper asks for a person.
    Handoff,
    /// `POST /v1/live/ticket`: a short-lived ticket for the shopper's own live socket.
    LiveTicket,
    /// `GET /v1/live?ticket=…`: the WebSocket upgrade (shopper or staff ticket).
    Live,
    /// `POST /v1/csat`: the shopper rates a closed (or resolved) conversation.
    Csat,
    /// `POST /v1/contact`: an email left outside business hours.
    Contact,
    /// `GET /v1/admin/tenants/{id}/inbox`
    AdminInbox {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/conversations/{c}/{action}`
    AdminConversationAction {
        /// Tenant id from the path.
        tenant_id: String,
        /// Conversation id from the path.
        conversation_id: String,
        /// What staff do.
        action: StaffAction,
    },
    /// `GET|POST /v1/admin/tenants/{id}/webhooks`
    AdminWebhooks {
        /// Tenant id from the path.
        tenant_id: String,
        /// POST: create an endpoint (its secret is shown once).
        create: bool,
    },
    /// `DELETE /v1/admin/tenants/{id}/webhooks/{endpoint}`
    AdminDeleteWebhook {
        /// Tenant id from the path.
        tenant_id: String,
        /// Endpoint id from the path.
        endpoint_id: String,
    },
    /// `GET /v1/admin/tenants/{id}/webhooks/deliveries`
    AdminWebhookDeliveries {
        /// Tenant id from the path.
        tenant_id: String,
    },
    /// `POST /v1/admin/tenants/{id}/webhooks/deliveries/{delivery}/retry`
    AdminRetryDelivery {
        /// Tenant id from the path.
        tenant_id: String,
        /// Delivery id from the path.
        delivery_id: String,
    },
}

/// What staff do to a conversation (`POST …/conversations/{c}/{action}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffAction {
    /// `take`
    Take,
    /// `hand-back`
    HandBack,
    /// `close`
    Close,
    /// `messages`: a reply to the shopper.
    Message,
    /// `notes`: an internal note.
    Note,
    /// `live/ticket`: a staff socket ticket.
    LiveTicket,
}

impl StaffAction {
    fn parse(segments: &[&str]) -> Option<StaffAction> {
        Some(match segments {
            ["take"] => StaffAction::Take,
            ["hand-back"] => StaffAction::HandBack,
            ["close"] => StaffAction::Close,
            ["messages"] => StaffAction::Message,
            ["notes"] => StaffAction::Note,
            ["live", "ticket"] => StaffAction::LiveTicket,
            _ => return None,
        })
    }
}

/// Paths and the methods each accepts, for 405 answers.
pub fn allowed_methods(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    match segments.as_slice() {
        ["healthz"] => Some("GET, HEAD"),
        ["v1", "tenants", id, "config"] if valid_tenant_id(id) => Some("GET, HEAD, OPTIONS"),
        ["v1", "sessions"] | ["v1", "chat"] => Some("POST, OPTIONS"),
        ["v1", "conversation"] => Some("GET, OPTIONS"),
        ["v1", "consent"] => Some("POST, OPTIONS"),
        ["v1", "messages", id, "feedback"] if valid_message_id(id) => Some("POST, OPTIONS"),
        ["v1", "platform", "tenants", id] if valid_tenant_id(id) => Some("PUT"),
        ["v1", "platform", "tenants", id, "keys"] if valid_tenant_id(id) => Some("GET"),
        ["v1", "admin", "tenants", id, "config"] if valid_tenant_id(id) => {
            Some("GET, PUT, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "keys", "rotate"] if valid_tenant_id(id) => {
            Some("POST, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "conversations" | "analytics" | "audit"]
            if valid_tenant_id(id) =>
        {
            Some("GET, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "conversations", c]
            if valid_tenant_id(id) && valid_conversation_id(c) =>
        {
            Some("GET, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "privacy", "export" | "erase"] if valid_tenant_id(id) => {
            Some("POST, OPTIONS")
        }
        ["v1", "privacy", "export" | "erase"] => Some("POST, OPTIONS"),
        ["v1", "admin", "tenants", id, "catalog"] if valid_tenant_id(id) => Some("GET, OPTIONS"),
        ["v1", "admin", "tenants", id, "catalog", "source"] if valid_tenant_id(id) => {
            Some("PUT, DELETE, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "orders", "source"] if valid_tenant_id(id) => {
            Some("GET, PUT, DELETE, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "catalog", "sync" | "upload" | "search"]
            if valid_tenant_id(id) =>
        {
            Some("POST, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "knowledge", rest @ ..] if valid_tenant_id(id) => {
            crate::knowledge::allowed_methods(rest)
        }
        ["v1", "admin", "tenants", id, "staff", rest @ ..] if valid_tenant_id(id) => {
            crate::staff_access::allowed_methods(rest)
        }
        ["v1", "handoff" | "csat" | "contact"] | ["v1", "live", "ticket"] => Some("POST, OPTIONS"),
        ["v1", "live"] => Some("GET"),
        ["v1", "admin", "tenants", id, "inbox" | "webhooks"] if valid_tenant_id(id) => {
            if segments[4] == "inbox" {
                Some("GET, OPTIONS")
            } else {
                Some("GET, POST, OPTIONS")
            }
        }
        ["v1", "admin", "tenants", id, "webhooks", "deliveries"] if valid_tenant_id(id) => {
            Some("GET, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "webhooks", e]
            if valid_tenant_id(id) && valid_prefixed_id(e, "wh_") =>
        {
            Some("DELETE, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "webhooks", "deliveries", d, "retry"]
            if valid_tenant_id(id) && valid_prefixed_id(d, "whd_") =>
        {
            Some("POST, OPTIONS")
        }
        ["v1", "admin", "tenants", id, "conversations", c, rest @ ..]
            if valid_tenant_id(id)
                && valid_conversation_id(c)
                && StaffAction::parse(rest).is_some() =>
        {
            Some("POST, OPTIONS")
        }
        _ => None,
    }
}

/// Matches a request to a route.
pub fn route(method: Method, path: &str) -> Result<Route> {
    let Some(allowed) = allowed_methods(path) else {
        return Err(Error::code(ErrorCode::NotFound));
    };
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
    let route = match (method, segments.as_slice()) {
        (Method::Options, _) if allowed.contains("OPTIONS") => Route::Preflight,
        (Method::Get | Method::Head, ["healthz"]) => Route::Health,
        (Method::Get | Method::Head, ["v1", "tenants", id, "config"]) => Route::PublicConfig {
            tenant_id: (*id).to_owned(),
        },
        (Method::Post, ["v1", "sessions"]) => Route::CreateSession,
        (Method::Post, ["v1", "chat"]) => Route::Chat,
        (Method::Get, ["v1", "conversation"]) => Route::Conversation,
        (Method::Post, ["v1", "consent"]) => Route::Consent,
        (Method::Post, ["v1", "messages", id, "feedback"]) => Route::Feedback {
            message_id: (*id).to_owned(),
        },
        (Method::Put, ["v1", "platform", "tenants", id]) => Route::PlatformPutTenant {
            tenant_id: (*id).to_owned(),
        },
        (Method::Get, ["v1", "platform", "tenants", id, "keys"]) => Route::PlatformKeys {
            tenant_id: (*id).to_owned(),
        },
        (Method::Get, ["v1", "admin", "tenants", id, "config"]) => Route::AdminGetConfig {
            tenant_id: (*id).to_owned(),
        },
        (Method::Put, ["v1", "admin", "tenants", id, "config"]) => Route::AdminPutConfig {
            tenant_id: (*id).to_owned(),
        },
        (Method::Post, ["v1", "admin", "tenants", id, "keys", "rotate"]) => Route::AdminRotateKey {
            tenant_id: (*id).to_owned(),
        },
        (Method::Get, ["v1", "admin", "tenants", id, "conversations"]) => {
            Route::AdminConversations {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Get, ["v1", "admin", "tenants", id, "conversations", c]) => {
            Route::AdminTranscript {
                tenant_id: (*id).to_owned(),
                conversation_id: (*c).to_owned(),
            }
        }
        (Method::Get, ["v1", "admin", "tenants", id, "analytics"]) => Route::AdminAnalytics {
            tenant_id: (*id).to_owned(),
        },
        (Method::Get, ["v1", "admin", "tenants", id, "audit"]) => Route::AdminAudit {
            tenant_id: (*id).to_owned(),
        },
        (Method::Post, ["v1", "admin", "tenants", id, "privacy", "export"]) => Route::AdminExport {
            tenant_id: (*id).to_owned(),
        },
        (Method::Post, ["v1", "admin", "tenants", id, "privacy", "erase"]) => Route::AdminErase {
            tenant_id: (*id).to_owned(),
        },
        (Method::Get, ["v1", "admin", "tenants", id, "catalog"]) => Route::AdminCatalog {
            tenant_id: (*id).to_owned(),
        },
        (Method::Put, ["v1", "admin", "tenants", id, "catalog", "source"]) => {
            Route::AdminCatalogPutSource {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Delete, ["v1", "admin", "tenants", id, "catalog", "source"]) => {
            Route::AdminCatalogDeleteSource {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Post, ["v1", "admin", "tenants", id, "catalog", "sync"]) => {
            Route::AdminCatalogSync {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Post, ["v1", "admin", "tenants", id, "catalog", "upload"]) => {
            Route::AdminCatalogUpload {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Get, ["v1", "admin", "tenants", id, "orders", "source"]) => {
            Route::AdminOrdersGetSource {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Put, ["v1", "admin", "tenants", id, "orders", "source"]) => {
            Route::AdminOrdersPutSource {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Delete, ["v1", "admin", "tenants", id, "orders", "source"]) => {
            Route::AdminOrdersDeleteSource {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Post, ["v1", "admin", "tenants", id, "catalog", "search"]) => {
            Route::AdminCatalogSearch {
                tenant_id: (*id).to_owned(),
            }
        }
        (
            m @ (Method::Get | Method::Head | Method::Post | Method::Put | Method::Delete),
            ["v1", "admin", "tenants", id, "knowledge", rest @ ..],
        ) => {
            let name = match m {
                Method::Post => "POST",
                Method::Put => "PUT",
                Method::Delete => "DELETE",
                _ => "GET",
            };
            Route::AdminKnowledge {
                tenant_id: (*id).to_owned(),
                route: crate::knowledge::route(name, rest)
                    .ok_or_else(|| Error::code(ErrorCode::MethodNotAllowed))?,
            }
        }
        (m @ (Method::Get | Method::Post), ["v1", "admin", "tenants", id, "staff", rest @ ..]) => {
            Route::AdminStaff {
                tenant_id: (*id).to_owned(),
                route: crate::staff_access::route(m == Method::Post, rest)
                    .ok_or_else(|| Error::code(ErrorCode::MethodNotAllowed))?,
            }
        }
        (Method::Post, ["v1", "privacy", "export"]) => Route::ShopperExport,
        (Method::Post, ["v1", "privacy", "erase"]) => Route::ShopperErase,
        (Method::Post, ["v1", "handoff"]) => Route::Handoff,
        (Method::Post, ["v1", "live", "ticket"]) => Route::LiveTicket,
        (Method::Get, ["v1", "live"]) => Route::Live,
        (Method::Post, ["v1", "csat"]) => Route::Csat,
        (Method::Post, ["v1", "contact"]) => Route::Contact,
        (Method::Get, ["v1", "admin", "tenants", id, "inbox"]) => Route::AdminInbox {
            tenant_id: (*id).to_owned(),
        },
        (Method::Get | Method::Post, ["v1", "admin", "tenants", id, "webhooks"]) => {
            Route::AdminWebhooks {
                tenant_id: (*id).to_owned(),
                create: method == Method::Post,
            }
        }
        (Method::Get, ["v1", "admin", "tenants", id, "webhooks", "deliveries"]) => {
            Route::AdminWebhookDeliveries {
                tenant_id: (*id).to_owned(),
            }
        }
        (Method::Delete, ["v1", "admin", "tenants", id, "webhooks", e]) => {
            Route::AdminDeleteWebhook {
                tenant_id: (*id).to_owned(),
                endpoint_id: (*e).to_owned(),
            }
        }
        (Method::Post, ["v1", "admin", "tenants", id, "webhooks", "deliveries", d, "retry"]) => {
            Route::AdminRetryDelivery {
                tenant_id: (*id).to_owned(),
                delivery_id: (*d).to_owned(),
            }
        }
        (Method::Post, ["v1", "admin", "tenants", id, "conversations", c, rest @ ..]) => {
            match StaffAction::parse(rest) {
                Some(action) => Route::AdminConversationAction {
                    tenant_id: (*id).to_owned(),
                    conversation_id: (*c).to_owned(),
                    action,
                },
                None => return Err(Error::code(ErrorCode::NotFound)),
            }
        }
        _ => return Err(Error::code(ErrorCode::MethodNotAllowed)),
    };
    Ok(route)
}

/// Message ids as the gateway makes them: `m_` and 1–64 base64url characters.
pub fn valid_message_id(id: &str) -> bool {
    id.strip_prefix("m_").is_some_and(|rest| {
        (1..=64).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Conversation ids as the gateway makes them: `c_` and 1–64 base64url characters.
pub fn valid_conversation_id(id: &str) -> bool {
    id.strip_prefix("c_").is_some_and(|rest| {
        (1..=64).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Ids the gateway makes with a prefix (`wh_`, `whd_`): the prefix and 1–64 base64url
/// characters.
pub fn valid_prefixed_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| {
        (1..=64).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// Tenant ids: 2–64 chars of lowercase ASCII letters, digits and `-`, starting with a letter.
pub fn valid_tenant_id(id: &str) -> bool {
    (2..=64).contains(&id.len())
        && id.as_bytes()[0].is_ascii_lowercase()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_match_the_api_table() {
        assert_eq!(route(Method::Get, "/healthz"), Ok(Route::Health));
        assert_eq!(
            route(Method::Get, "/v1/tenants/demo/config"),
            Ok(Route::PublicConfig {
                tenant_id: "demo".into()
            })
        );
        assert_eq!(
            route(Method::Post, "/v1/sessions"),
            Ok(Route::CreateSession)
        );
        assert_eq!(route(Method::Post, "/v1/chat"), Ok(Route::Chat));
        assert_eq!(route(Method::Options, "/v1/chat"), Ok(Route::Preflight));
        assert_eq!(
            route(Method::Get, "/v1/conversation"),
            Ok(Route::Conversation)
        );
        assert_eq!(
            route(Method::Put, "/v1/platform/tenants/acme-2"),
            Ok(Route::PlatformPutTenant {
                tenant_id: "acme-2".into()
            })
        );
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405() {
        let code = |m, p| route(m, p).unwrap_err().error_code();
        assert_eq!(code(Method::Get, "/v1/nope"), ErrorCode::NotFound);
        assert_eq!(
            code(Method::Get, "/v1/tenants/UPPER/config"),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(Method::Get, "/v1/tenants/../config"),
            ErrorCode::NotFound
        );
        assert_eq!(code(Method::Get, "/v1/chat"), ErrorCode::MethodNotAllowed);
        assert_eq!(
            code(Method::Delete, "/v1/sessions"),
            ErrorCode::MethodNotAllowed
        );
        assert_eq!(
            code(Method::Options, "/v1/platform/tenants/demo"),
            ErrorCode::MethodNotAllowed
        );
    }

    #[test]
    fn handoff_routes_match_and_foreign_shapes_do_not() {
        assert_eq!(route(Method::Post, "/v1/handoff"), Ok(Route::Handoff));
        assert_eq!(route(Method::Get, "/v1/live"), Ok(Route::Live));
        assert_eq!(
            route(Method::Post, "/v1/live/ticket"),
            Ok(Route::LiveTicket)
        );
        assert_eq!(
            route(
                Method::Post,
                "/v1/admin/tenants/demo/conversations/c_1/hand-back"
            ),
            Ok(Route::AdminConversationAction {
                tenant_id: "demo".into(),
                conversation_id: "c_1".into(),
                action: StaffAction::HandBack
            })
        );
        assert_eq!(
            route(
                Method::Post,
                "/v1/admin/tenants/demo/conversations/c_1/live/ticket"
            ),
            Ok(Route::AdminConversationAction {
                tenant_id: "demo".into(),
                conversation_id: "c_1".into(),
                action: StaffAction::LiveTicket
            })
        );
        assert_eq!(
            route(
                Method::Post,
                "/v1/admin/tenants/demo/webhooks/deliveries/whd_1/retry"
            ),
            Ok(Route::AdminRetryDelivery {
                tenant_id: "demo".into(),
                delivery_id: "whd_1".into()
            })
        );
        let code = |m, p| route(m, p).unwrap_err().error_code();
        assert_eq!(
            code(
                Method::Post,
                "/v1/admin/tenants/demo/conversations/c_1/steal"
            ),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(
                Method::Post,
                "/v1/admin/tenants/demo/conversations/x_1/take"
            ),
            ErrorCode::NotFound
        );
        assert_eq!(
            code(Method::Delete, "/v1/admin/tenants/demo/webhooks/whd_1"),
            ErrorCode::NotFound
        );
        assert_eq!(code(Method::Post, "/v1/live"), ErrorCode::MethodNotAllowed);
    }

    #[test]
    fn tenant_ids_are_bounded_and_plain() {
        assert!(valid_tenant_id("demo"));
        assert!(valid_tenant_id("acme-outfitters-2"));
        assert!(!valid_tenant_id("d"));
        assert!(!valid_tenant_id("9lives"));
        assert!(!valid_tenant_id("acme_x"));
        assert!(!valid_tenant_id(&"a".repeat(65)));
    }
}
