//! Who may call which admin route: the staff routes' table (`/v1/admin/tenants/{t}/staff/…`),
//! the [`Action`] every admin route needs (what an `agent` session may do is decided here,
//! once, for every route), and the staff session cookie.
//!
//! Deny by default: an admin route not named below needs [`Action::Settings`], which only
//! the `admin` role (and the signed admin key) has, so a route added later is admin-only
//! until someone decides otherwise here.
//!
//! Must not depend on: worker.

use crate::routes::{valid_prefixed_id, Route, StaffAction};
use crate::staff::Action;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// The staff session cookie's name.
pub const COOKIE: &str = "shopkeep_staff";

/// A staff route under `/v1/admin/tenants/{t}/staff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffRoute {
    /// `GET /staff`: members and pending invites (admin).
    List,
    /// `POST /staff/invites` `{"name","role"}` (admin).
    Invite,
    /// `POST /staff/{id}/disable` (admin): also ends their sessions.
    Disable(String),
    /// `POST /staff/{id}/revoke` (admin): ends their sessions.
    Revoke(String),
    /// `POST /staff/register/begin` `{"invite"}`: no auth but the invite secret.
    RegisterBegin,
    /// `POST /staff/register/finish`.
    RegisterFinish,
    /// `POST /staff/signin/begin`: no auth.
    SignInBegin,
    /// `POST /staff/signin/finish`.
    SignInFinish,
    /// `POST /staff/signout`: the session itself.
    SignOut,
    /// `GET /staff/me`: the session's staff member.
    Me,
    /// `POST /staff/passkeys/begin`: a signed-in staff member starts adding a passkey.
    PasskeyBegin,
    /// `POST /staff/passkeys/finish`: the new passkey, for the signed-in staff member.
    PasskeyFinish,
}

impl StaffRoute {
    /// Whether the route is reached before any authentication (the ceremonies carry their
    /// own proof: an invite secret, a passkey).
    pub fn is_public(&self) -> bool {
        matches!(
            self,
            StaffRoute::RegisterBegin
                | StaffRoute::RegisterFinish
                | StaffRoute::SignInBegin
                | StaffRoute::SignInFinish
        )
    }
}

/// Staff ids: `st_` and 1–64 of `[A-Za-z0-9_-]`.
pub fn valid_staff_id(id: &str) -> bool {
    valid_prefixed_id(id, "st_")
}

/// The methods each staff path accepts (`rest`: the segments after `staff`).
pub fn allowed_methods(rest: &[&str]) -> Option<&'static str> {
    match rest {
        [] | ["me"] => Some("GET, OPTIONS"),
        ["invites" | "signout"] | ["register" | "signin" | "passkeys", "begin" | "finish"] => {
            Some("POST, OPTIONS")
        }
        [id, "disable" | "revoke"] if valid_staff_id(id) => Some("POST, OPTIONS"),
        _ => None,
    }
}

/// Matches a staff route; `None`: not this method (a 405).
pub fn route(post: bool, rest: &[&str]) -> Option<StaffRoute> {
    Some(match (post, rest) {
        (false, []) => StaffRoute::List,
        (false, ["me"]) => StaffRoute::Me,
        (true, ["invites"]) => StaffRoute::Invite,
        (true, ["signout"]) => StaffRoute::SignOut,
        (true, ["register", "begin"]) => StaffRoute::RegisterBegin,
        (true, ["register", "finish"]) => StaffRoute::RegisterFinish,
        (true, ["signin", "begin"]) => StaffRoute::SignInBegin,
        (true, ["signin", "finish"]) => StaffRoute::SignInFinish,
        (true, ["passkeys", "begin"]) => StaffRoute::PasskeyBegin,
        (true, ["passkeys", "finish"]) => StaffRoute::PasskeyFinish,
        (true, [id, "disable"]) => StaffRoute::Disable((*id).to_owned()),
        (true, [id, "revoke"]) => StaffRoute::Revoke((*id).to_owned()),
        _ => return None,
    })
}

/// What an admin route needs of a staff session's role. `body` is the request body (a
/// `take` with `"assign": true` takes a conversation from its owner: [`Action::Assign`]).
pub fn required_action(route: &Route, body: &[u8]) -> Action {
    match route {
        Route::AdminInbox { .. } => Action::Inbox,
        // Reading one conversation's transcript (the AI part, with its cards) is inbox work;
        // listing and searching all conversations is not.
        Route::AdminTranscript { .. } => Action::Inbox,
        Route::AdminConversationAction { action, .. } => {
            if *action == StaffAction::Take && wants_assign(body) {
                Action::Assign
            } else {
                Action::Inbox
            }
        }
        Route::AdminStaff { route, .. } => match route {
            // The session's own business: any signed-in staff member (the routes check the
            // session themselves; the admin key is no staff member).
            StaffRoute::Me
            | StaffRoute::SignOut
            | StaffRoute::PasskeyBegin
            | StaffRoute::PasskeyFinish => Action::Inbox,
            _ => Action::Staff,
        },
        Route::AdminRotateKey { .. } => Action::Staff,
        Route::AdminExport { .. } | Route::AdminErase { .. } => Action::Privacy,
        Route::AdminConversations { .. }
        | Route::AdminAnalytics { .. }
        | Route::AdminAudit { .. } => Action::Insights,
        _ => Action::Settings,
    }
}

fn wants_assign(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("assign").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

/// base64url without padding (challenges, user handles, secrets on the wire).
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url, padded or not.
pub fn b64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// The staff session token a request presents: `Authorization: Bearer st1.…` (tools), else
/// the session cookie (the console).
pub fn presented_token<'a>(
    authorization: Option<&'a str>,
    cookie_header: Option<&'a str>,
) -> Option<&'a str> {
    let bearer = authorization
        .and_then(|auth| auth.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| token.starts_with("st1."));
    bearer.or_else(|| token_from_cookie(cookie_header?))
}

/// The staff session token of a `Cookie` header, if any.
pub fn token_from_cookie(cookie_header: &str) -> Option<&str> {
    cookie_header.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE && !value.is_empty()).then_some(value)
    })
}

/// The `Set-Cookie` value carrying a session: HttpOnly (page scripts never see it), Secure,
/// SameSite=Strict, and only sent to this tenant's admin routes.
pub fn session_cookie(tenant_id: &str, token: &str, max_age_s: u64) -> String {
    format!(
        "{COOKIE}={token}; Path=/v1/admin/tenants/{tenant_id}/; Max-Age={max_age_s}; HttpOnly; Secure; SameSite=Strict"
    )
}

/// The `Set-Cookie` value that clears the session cookie (sign-out).
pub fn cleared_cookie(tenant_id: &str) -> String {
    session_cookie(tenant_id, "", 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::{route as route_of, Method};
    use crate::staff::Role;

    fn action(method: Method, path: &str, body: &str) -> Action {
        let route = route_of(method, path).unwrap_or_else(|e| panic!("{path}: {e:?}"));
        required_action(&route, body.as_bytes())
    }

    #[test]
    fn an_agent_may_work_the_inbox_and_nothing_else() {
        let t = "/v1/admin/tenants/acme";
        let inbox = [
            (Method::Get, format!("{t}/inbox"), ""),
            (Method::Get, format!("{t}/conversations/c_abc"), ""),
            (Method::Post, format!("{t}/conversations/c_abc/take"), "{}"),
            (
                Method::Post,
                format!("{t}/conversations/c_abc/messages"),
                "{}",
            ),
            (Method::Post, format!("{t}/conversations/c_abc/notes"), "{}"),
            (
                Method::Post,
                format!("{t}/conversations/c_abc/hand-back"),
                "{}",
            ),
            (Method::Post, format!("{t}/conversations/c_abc/close"), "{}"),
            (
                Method::Post,
                format!("{t}/conversations/c_abc/live/ticket"),
                "{}",
            ),
            (Method::Get, format!("{t}/staff/me"), ""),
            (Method::Post, format!("{t}/staff/signout"), ""),
            (Method::Post, format!("{t}/staff/passkeys/begin"), ""),
            (Method::Post, format!("{t}/staff/passkeys/finish"), ""),
        ];
        for (m, path, body) in &inbox {
            assert!(Role::Agent.may(action(*m, path, body)), "{m:?} {path}");
        }
        let admin_only = [
            (Method::Get, format!("{t}/config"), ""),
            (Method::Put, format!("{t}/config"), "{}"),
            (Method::Post, format!("{t}/keys/rotate"), "{}"),
            (Method::Post, format!("{t}/privacy/export"), "{}"),
            (Method::Post, format!("{t}/privacy/erase"), "{}"),
            (Method::Get, format!("{t}/webhooks"), ""),
            (Method::Post, format!("{t}/webhooks"), "{}"),
            (Method::Get, format!("{t}/catalog"), ""),
            (Method::Get, format!("{t}/conversations"), ""),
            (Method::Get, format!("{t}/audit"), ""),
            (Method::Get, format!("{t}/analytics"), ""),
            (Method::Get, format!("{t}/staff"), ""),
            (Method::Post, format!("{t}/staff/invites"), "{}"),
            (Method::Post, format!("{t}/staff/st_x/disable"), ""),
            (Method::Post, format!("{t}/staff/st_x/revoke"), ""),
            (
                Method::Post,
                format!("{t}/conversations/c_abc/take"),
                r#"{"assign":true}"#,
            ),
        ];
        for (m, path, body) in &admin_only {
            let needed = action(*m, path, body);
            assert!(!Role::Agent.may(needed), "{m:?} {path} {body}");
            assert!(Role::Admin.may(needed));
        }
    }

    #[test]
    fn staff_paths_route_and_the_ceremonies_are_public() {
        let t = "/v1/admin/tenants/acme/staff";
        for (path, public) in [
            ("/register/begin", true),
            ("/register/finish", true),
            ("/signin/begin", true),
            ("/signin/finish", true),
            ("/signout", false),
            ("/invites", false),
            // Adding a passkey needs a signed-in staff session.
            ("/passkeys/begin", false),
            ("/passkeys/finish", false),
        ] {
            match route_of(Method::Post, &format!("{t}{path}")) {
                Ok(Route::AdminStaff { route, .. }) => assert_eq!(route.is_public(), public),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(route_of(Method::Get, &format!("{t}/invites")).is_err());
        assert!(route_of(Method::Get, &format!("{t}/passkeys/begin")).is_err());
        assert!(route_of(Method::Post, &format!("{t}/nobody/disable")).is_err());
        assert!(route_of(Method::Post, &format!("{t}/st_1/disable")).is_ok());
    }

    #[test]
    fn the_cookie_is_read_and_scoped() {
        assert_eq!(
            token_from_cookie("a=b; shopkeep_staff=st1.x.y; c=d"),
            Some("st1.x.y")
        );
        assert_eq!(
            token_from_cookie("shopkeep_staffx=1; a=shopkeep_staff"),
            None
        );
        assert_eq!(token_from_cookie("shopkeep_staff="), None);
        let cookie = session_cookie("acme", "tok", 60);
        assert!(cookie.contains("HttpOnly") && cookie.contains("Secure"));
        assert!(
            cookie.contains("SameSite=Strict") && cookie.contains("Path=/v1/admin/tenants/acme/")
        );
        assert!(cleared_cookie("acme").contains("Max-Age=0"));
    }

    #[test]
    fn a_bearer_staff_token_wins_over_the_cookie_and_other_bearers_do_not_count() {
        let cookie = Some("a=1; shopkeep_staff=st1.cookie.sig");
        assert_eq!(
            presented_token(Some("Bearer st1.bearer.sig"), cookie),
            Some("st1.bearer.sig")
        );
        assert_eq!(
            presented_token(Some("bearer  st1.x.y "), None),
            Some("st1.x.y")
        );
        // A shopper session token or an admin signature is not a staff session: the cookie.
        assert_eq!(
            presented_token(Some("Bearer v1.shopper.token"), cookie),
            Some("st1.cookie.sig")
        );
        assert_eq!(presented_token(Some("Basic st1.x.y"), None), None);
        assert_eq!(presented_token(None, Some("shopkeep_staff=")), None);
        assert_eq!(presented_token(None, None), None);
    }
}
