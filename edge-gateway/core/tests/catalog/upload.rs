//! CSV and JSON uploads.

use shopkeep_gateway_core::catalog::upload::{parse_csv, parse_json};

const CSV: &str =
    "id,title,price,currency,variant_id,option1_name,option1_value,available,category,image\n\
p1,Trail Boot,149.00,EUR,p1-42,Size,42,true,Boots,https://cdn.example/b.jpg\n\
p1,Trail Boot,149.00,EUR,p1-43,Size,43,no,Boots,https://cdn.example/b.jpg\n\
p2,Free Thing,0.00,,p2,,,,,\n\
p3,\"Rain Hat, waxed\",29.5,EUR,p3,,,maybe,,\n\
p4,Too short\n\
p5,Sock,abc,EUR,p5,,,,,\n\
p1,Trail Boot,149.00,EUR,p1-42,Size,42,true,Boots,\n";

#[test]
fn csv_rows_sharing_an_id_are_one_product() {
    let parsed = parse_csv(CSV).unwrap();
    assert_eq!(parsed.products.len(), 1);
    let p = &parsed.products[0];
    assert_eq!(p.variants.len(), 2);
    assert_eq!(p.variants[1].values, ["43"]);
    assert!(!p.variants[1].available);
    assert_eq!(p.categories, ["Boots"]);
}

#[test]
fn each_bad_csv_row_is_listed_with_its_line() {
    let parsed = parse_csv(CSV).unwrap();
    let got: Vec<(&str, &str)> = parsed
        .problems
        .iter()
        .map(|p| (p.position.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(got, [
        ("line 6", "has 2 fields, the header has 10"),
        ("line 4", "price: price has no currency"),
        ("line 5", "available `maybe` is not true or false"),
        ("line 7", "price: price `abc` is not a valid amount"),
        ("line 8", "variant `p1-42` of product `p1` appears twice (give each row a distinct variant_id)"),
    ]);
}

#[test]
fn a_csv_without_required_columns_is_refused_whole() {
    let err = parse_csv("name,cost\nx,1\n").unwrap_err();
    assert!(err.0.contains("line 1") && err.0.contains("`id`"), "{err}");
}

#[test]
fn json_uploads_take_options_objects_and_report_items() {
    let body = r#"[
        {"id": "j1", "title": "Jacket", "price": 179, "currency": "EUR", "variant_id": "j1-m", "options": {"Size": "M"}, "tags": ["rain", "outdoor"]},
        {"id": "j2", "title": "No currency", "price": "10"},
        42
    ]"#;
    let parsed = parse_json(body).unwrap();
    assert_eq!(parsed.products[0].options, ["Size"]);
    assert_eq!(parsed.products[0].variants[0].price.amount_minor, 17900);
    assert_eq!(parsed.products[0].tags, ["rain", "outdoor"]);
    let got: Vec<(&str, &str)> = parsed
        .problems
        .iter()
        .map(|p| (p.position.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("item 3", "not a JSON object"),
            ("item 2", "price: price has no currency")
        ]
    );
    assert!(parse_json("{\"a\": 1}").is_err());
    let err = parse_json("[\n{\"id\": }").unwrap_err();
    assert!(err.0.starts_with("line 2"), "{err}");
}
