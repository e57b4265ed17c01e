//! Google Merchant feeds (RSS 2.0 and Atom).

use shopkeep_gateway_core::catalog::feed::parse_feed;

const RSS: &str = r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0">
<channel>
<title>Shop</title>
<item>
  <g:id>SJ-M</g:id>
  <title>Summit Jacket</title>
  <g:description><![CDATA[<b>Waterproof</b> shell]]></g:description>
  <link>https://shop.example/summit</link>
  <g:image_link>https://cdn.example/s.jpg</g:image_link>
  <g:price>199.00 EUR</g:price>
  <g:sale_price>179.00 EUR</g:sale_price>
  <g:availability>in stock</g:availability>
  <g:item_group_id>SJ</g:item_group_id>
  <g:size>M</g:size>
  <g:product_type>Clothing &gt; Jackets</g:product_type>
</item>
<item>
  <g:id>SJ-L</g:id>
  <title>Summit Jacket</title>
  <g:price>199.00 EUR</g:price>
  <g:availability>out_of_stock</g:availability>
  <g:item_group_id>SJ</g:item_group_id>
  <g:size>L</g:size>
</item>
<item>
  <g:id>BAD</g:id>
  <title>No price</title>
</item>
<item>
  <g:id>FREE</g:id>
  <title>Bad price</title>
  <g:price>12.00</g:price>
</item>
</channel>
</rss>"#;

#[test]
fn items_of_a_group_become_one_product_with_variants() {
    let page = parse_feed(RSS, None).unwrap();
    assert_eq!(page.products.len(), 1);
    let p = &page.products[0];
    assert_eq!(p.id, "SJ");
    assert_eq!(p.options, ["Size"]);
    assert_eq!(p.variants.len(), 2);
    assert_eq!(p.variants[0].id, "SJ-M");
    assert_eq!(p.variants[0].values, ["M"]);
    assert_eq!(
        p.variants[0].price.amount_minor, 17900,
        "the sale price is the price"
    );
    assert_eq!(
        p.variants[0].compare_at.as_ref().unwrap().amount_minor,
        19900
    );
    assert!(p.variants[0].available && !p.variants[1].available);
    assert_eq!(p.description, "Waterproof shell");
    assert_eq!(p.categories, ["Clothing", "Jackets"]);
    assert_eq!(p.images, ["https://cdn.example/s.jpg"]);
}

#[test]
fn malformed_items_are_listed_with_item_number_and_line() {
    let page = parse_feed(RSS, None).unwrap();
    let got: Vec<(&str, &str)> = page
        .problems
        .iter()
        .map(|p| (p.position.as_str(), p.reason.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("item 3 (line 26)", "no `g:price`"),
            ("item 4 (line 30)", "g:price: price has no currency"),
        ]
    );
    let with_default = parse_feed(RSS, Some("EUR")).unwrap();
    assert_eq!(
        with_default.products.len(),
        2,
        "a source currency fills in bare prices"
    );
}

#[test]
fn atom_feeds_parse_too() {
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">
<entry><g:id>A1</g:id><title>Tote</title><link href="https://shop.example/tote"/><g:price>20 USD</g:price></entry>
</feed>"#;
    let page = parse_feed(atom, None).unwrap();
    assert_eq!(page.products[0].id, "A1");
    assert_eq!(
        page.products[0].url.as_deref(),
        Some("https://shop.example/tote")
    );
    assert_eq!(page.products[0].variants[0].price.currency, "USD");
}

#[test]
fn a_feed_that_is_not_well_formed_is_refused_whole_with_its_line() {
    let broken = "<rss>\n<channel>\n<item><g:id>1</g:id>\n<title>x</titl>\n</item></channel></rss>";
    let err = parse_feed(broken, None).unwrap_err();
    assert_eq!(err.position, "line 4");
    assert!(err.reason.contains("not well-formed"), "{err}");
}

#[test]
fn an_html_page_is_not_a_feed() {
    let err = parse_feed("<html><body>shop</body></html>", None).unwrap_err();
    assert!(err.reason.contains("not a Merchant feed"), "{err}");
}
