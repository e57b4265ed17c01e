//! The catalog's place in the gateway: its admin routes, the product tools offered only with
//! a catalog, and the built-in responder sending product questions to `search_products`.

use shopkeep_gateway_core::responder;
use shopkeep_gateway_core::routes::{self, Method, Route};
use shopkeep_gateway_core::tools::{self, ToolName, Toolset};

#[test]
fn catalog_admin_routes_match_their_methods() {
    let t = String::from("shop-1");
    let base = "/v1/admin/tenants/shop-1/catalog";
    assert_eq!(
        routes::route(Method::Get, base),
        Ok(Route::AdminCatalog {
            tenant_id: t.clone()
        })
    );
    assert_eq!(
        routes::route(Method::Put, &format!("{base}/source")),
        Ok(Route::AdminCatalogPutSource {
            tenant_id: t.clone()
        })
    );
    assert_eq!(
        routes::route(Method::Delete, &format!("{base}/source")),
        Ok(Route::AdminCatalogDeleteSource {
            tenant_id: t.clone()
        })
    );
    assert_eq!(
        routes::route(Method::Post, &format!("{base}/sync")),
        Ok(Route::AdminCatalogSync {
            tenant_id: t.clone()
        })
    );
    assert_eq!(
        routes::route(Method::Post, &format!("{base}/upload")),
        Ok(Route::AdminCatalogUpload {
            tenant_id: t.clone()
        })
    );
    assert_eq!(
        routes::route(Method::Post, &format!("{base}/search")),
        Ok(Route::AdminCatalogSearch { tenant_id: t })
    );
    assert_eq!(
        routes::allowed_methods(&format!("{base}/source")),
        Some("PUT, DELETE, OPTIONS")
    );
    assert!(routes::route(Method::Get, &format!("{base}/sync")).is_err());
    assert!(routes::route(Method::Get, "/v1/admin/tenants/Bad_Id/catalog").is_err());
}

#[test]
fn product_tools_are_offered_only_with_a_catalog() {
    let config: shopkeep_gateway_core::tenant::TenantConfig =
        serde_json::from_str(include_str!("../../../../demo-site/tenants/demo.json")).unwrap();
    // Every tenant has search_knowledge and handoff; the product tools only with a catalog.
    assert_eq!(
        tools::offered(&config, false),
        Toolset::KNOWLEDGE.with(ToolName::Handoff)
    );
    let with = tools::offered(&config, true);
    assert!(with.contains(ToolName::SearchProducts) && with.contains(ToolName::GetProduct));
}

#[test]
fn the_builtin_responder_routes_product_questions_to_search_products() {
    let catalog = Toolset::KNOWLEDGE.with(ToolName::SearchProducts);
    let (tool, args) = responder::route_with("waterproof jacket under 200 in size M", catalog);
    assert_eq!(tool, ToolName::SearchProducts);
    assert_eq!(args["query"], "waterproof jacket under 200 in size M");
    assert_eq!(
        responder::route_with("How long does shipping take?", catalog).0,
        ToolName::SearchKnowledge
    );
    assert_eq!(
        responder::route_with("jacket under 200", Toolset::KNOWLEDGE).0,
        ToolName::SearchKnowledge,
        "no catalog, no product tool"
    );
}
