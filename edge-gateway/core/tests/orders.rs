//! Who may see an order, property-tested: only the buyer, by account or by number + email.

use proptest::prelude::*;
use shopkeep_gateway_core::orders::api::keyed_digest_with;
use shopkeep_gateway_core::orders::{
    may_see, normalise_email, normalise_number, Attempts, Order, Requester, VerifiedEmail,
    MAX_ATTEMPTS,
};
use shopkeep_protocol::OrderStatus;

fn order(number: &str, customer: Option<String>, email: &str) -> Order {
    Order {
        external_id: "1".into(),
        number: number.into(),
        customer_id: customer,
        email: normalise_email(email),
        placed_at: "2026-11-01T10:00:00Z".into(),
        status: OrderStatus::Processing,
        items: Vec::new(),
        parcels: Vec::new(),
        eta: None,
    }
}

fn email() -> impl Strategy<Value = String> {
    ("[a-z0-9.]{1,12}", "[a-z]{1,8}\\.[a-z]{2,3}").prop_map(|(l, d)| format!("{l}@{d}"))
}

proptest! {
    #[test]
    fn a_guest_sees_an_order_exactly_when_number_and_email_both_match(
        number in "[0-9]{3,6}", typed_number in "[0-9]{3,6}",
        owner in email(), typed in email(),
        case_games in any::<bool>(), spaces in " {0,3}",
    ) {
        let o = order(&number, Some("c1".into()), &owner);
        let typed_email = if case_games { typed.to_uppercase() } else { typed.clone() };
        let typed_email = format!("{spaces}{typed_email}{spaces}");
        let typed_num = format!("{spaces}#{typed_number}");
        let expected = number == typed_number && owner == typed;
        prop_assert_eq!(
            may_see(&o, &Requester::Guest { number: &typed_num, email: &typed_email }),
            expected
        );
    }

    #[test]
    fn a_verified_shopper_sees_only_their_account_or_their_named_guest_checkouts(
        owner_id in proptest::option::of("c[0-9]{1,4}"), me in "c[0-9]{1,4}",
        owner_email in email(), my_email in proptest::option::of(email()),
        number in "[0-9]{3,6}", named in proptest::option::of("[0-9]{3,6}"),
        case_games in any::<bool>(), spaces in " {0,3}", key in any::<[u8; 32]>(),
    ) {
        let o = order(&number, owner_id.clone(), &owner_email);
        let expected = match &owner_id {
            Some(id) => *id == me,
            // A guest checkout: the verified email and the number the shopper named.
            None => my_email.as_deref() == Some(owner_email.as_str())
                && named.as_deref() == Some(number.as_str()),
        };
        let typed = my_email.as_deref().map(|e| {
            let e = if case_games { e.to_uppercase() } else { e.to_owned() };
            format!("{spaces}{e}{spaces}")
        });
        // What the session carries: the keyed digest of the normalised address.
        let digest = typed
            .as_deref()
            .and_then(normalise_email)
            .map(|e| keyed_digest_with(&key, "email", &e));
        let verified = digest.as_deref().map(|digest| VerifiedEmail { digest, key: &key });
        let named_typed = named.as_deref().map(|n| format!("{spaces}#{n}"));
        prop_assert_eq!(
            may_see(&o, &Requester::Verified {
                customer_id: &me,
                email: verified,
                number: named_typed.as_deref(),
            }),
            expected
        );
    }

    #[test]
    fn a_verified_email_under_another_tenants_key_opens_nothing(
        number in "[0-9]{3,6}", owner in email(), key in any::<[u8; 32]>(), other in any::<[u8; 32]>(),
    ) {
        prop_assume!(key != other);
        let o = order(&number, None, &owner);
        let digest = keyed_digest_with(&other, "email", &owner);
        let elsewhere = Requester::Verified {
            customer_id: "c1",
            email: Some(VerifiedEmail { digest: &digest, key: &key }),
            number: Some(&number),
        };
        prop_assert!(!may_see(&o, &elsewhere));
    }

    #[test]
    fn a_number_alone_or_an_email_alone_never_opens_an_order(
        number in "[0-9]{3,6}", owner in email(), other in email(),
    ) {
        prop_assume!(owner != other);
        let o = order(&number, None, &owner);
        let wrong_email = Requester::Guest { number: &number, email: &other };
        let no_number = Requester::Guest { number: "", email: &owner };
        prop_assert!(!may_see(&o, &wrong_email));
        prop_assert!(!may_see(&o, &no_number));
        prop_assert!(normalise_number(&number).is_some());
    }

    #[test]
    fn attempts_never_allow_more_than_the_limit_within_the_window(
        gaps in proptest::collection::vec(0u64..600_000, 1..40),
    ) {
        let mut a = Attempts::default();
        let mut now = 1_000_000_000u64;
        let mut allowed_times: Vec<u64> = Vec::new();
        for gap in gaps {
            now += gap;
            if a.allows(now) {
                allowed_times.push(now);
                a.failed(now);
            }
            let in_window = allowed_times.iter().filter(|t| **t + 3_600_000 > now).count();
            prop_assert!(in_window <= MAX_ATTEMPTS);
        }
    }
}

mod wiring {
    use serde_json::json;
    use shopkeep_gateway_core::responder;
    use shopkeep_gateway_core::routes::{self, Method, Route};
    use shopkeep_gateway_core::tools::{self, ToolName, Toolset};

    #[test]
    fn lookup_order_is_offered_only_with_an_order_source() {
        let config: shopkeep_gateway_core::tenant::TenantConfig =
            serde_json::from_str(include_str!("../../../demo-site/tenants/demo.json")).unwrap();
        assert!(!tools::offered_with_orders(&config, true, false).contains(ToolName::LookupOrder));
        let with = tools::offered_with_orders(&config, false, true);
        assert!(with.contains(ToolName::LookupOrder) && with.contains(ToolName::Handoff));
        assert!(!with.contains(ToolName::SearchProducts));
    }

    #[test]
    fn the_builtin_responder_routes_order_questions_to_lookup_order() {
        let tools = Toolset::KNOWLEDGE
            .with(ToolName::SearchProducts)
            .with(ToolName::LookupOrder);
        let (tool, args) = responder::route_with("Where is my order #1001? ada@example.com", tools);
        assert_eq!(tool, ToolName::LookupOrder);
        assert_eq!(
            args,
            json!({"order_number": "#1001", "email": "ada@example.com"})
        );
        // Without an order source the same question is not routed to it.
        let (tool, _) = responder::route_with(
            "Where is my order?",
            Toolset::KNOWLEDGE.with(ToolName::SearchProducts),
        );
        assert_ne!(tool, ToolName::LookupOrder);
        // A product question still goes to the catalog.
        let (tool, _) = responder::route_with("waterproof jacket under 200", tools);
        assert_eq!(tool, ToolName::SearchProducts);
    }

    #[test]
    fn the_order_source_routes_are_admin_routes_of_one_tenant() {
        let base = "/v1/admin/tenants/acme/orders/source";
        assert!(matches!(
            routes::route(Method::Get, base),
            Ok(Route::AdminOrdersGetSource { tenant_id }) if tenant_id == "acme"
        ));
        assert!(matches!(
            routes::route(Method::Put, base),
            Ok(Route::AdminOrdersPutSource { .. })
        ));
        assert!(matches!(
            routes::route(Method::Delete, base),
            Ok(Route::AdminOrdersDeleteSource { .. })
        ));
        assert!(routes::route(Method::Post, base).is_err());
        assert!(routes::route(Method::Get, "/v1/admin/tenants/Bad_Id/orders/source").is_err());
    }
}
