//! Google Merchant feeds (RSS 2.0 and Atom).

use shopkeep_gateway_core::catalog::connector::{Page, PageError};
use shopkeep_gateway_core::catalog::feed::{parse_feed, FeedStream, MAX_ITEM_BYTES};

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

fn streamed(text: &str, sizes: &[usize]) -> Result<Page, PageError> {
    let mut stream = FeedStream::new(None);
    let mut rest = text.as_bytes();
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        stream.push(&rest[..n])?;
        rest = &rest[n..];
        i += 1;
    }
    stream.finish()
}

#[test]
fn a_feed_split_at_every_byte_parses_as_the_whole() {
    let broken = "<rss>\n<channel>\n<item><g:id>1</g:id>\n<title>x</titl>\n</item></channel></rss>";
    let atom = r#"<feed xmlns:g="http://base.google.com/ns/1.0">
<entry><g:id>A1</g:id><title>Tote &amp; bag</title><link href="https://shop.example/tote"/><g:price>20 USD</g:price></entry>
<!-- a comment --><entry><g:id>A2</g:id><title><![CDATA[Mug]]></title><g:price>5 USD</g:price></entry>
</feed>"#;
    for text in [RSS, atom, broken, "<html><body>shop</body></html>"] {
        let whole = parse_feed(text, None);
        for at in 0..=text.len() {
            let (a, b) = text.as_bytes().split_at(at);
            let mut stream = FeedStream::new(None);
            let split = stream
                .push(a)
                .and_then(|()| stream.push(b))
                .and_then(|()| stream.finish());
            assert_eq!(split, whole, "split at byte {at}");
        }
        assert_eq!(streamed(text, &[1]), whole, "one byte at a time");
        assert_eq!(streamed(text, &[3, 7, 1, 64]), whole);
    }
}

#[test]
fn a_feed_cut_short_or_left_open_is_refused() {
    let cut = &RSS[..RSS.find("<g:id>SJ-L").unwrap()];
    let err = parse_feed(cut, None).unwrap_err();
    assert!(err.reason.contains("not well-formed"), "{err}");
    let open = "<rss><channel><item><g:id>1</g:id><title>t</title><g:price>1 EUR</g:price></item>";
    let err = parse_feed(open, None).unwrap_err();
    assert!(err.reason.contains("never closed"), "{err}");
}

#[test]
fn the_head_of_a_feed_gives_its_first_complete_items() {
    let cut = &RSS[..RSS.find("<g:id>SJ-L").unwrap()];
    let mut stream = FeedStream::new(None);
    stream.push(cut.as_bytes()).unwrap();
    assert_eq!(stream.items(), 1, "the second item is not complete yet");
    let head = stream.head().unwrap();
    assert_eq!(head.products.len(), 1);
    assert_eq!(head.products[0].variants.len(), 1);
    let mut html = FeedStream::new(None);
    let err = html.push(b"<!doctype html><html><head>").unwrap_err();
    assert!(err.reason.contains("not a Merchant feed"), "{err}");
}

fn big_feed(items: usize) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n<channel>\n<title>Big</title>\n",
    );
    for i in 0..items {
        out.push_str(&format!(
            "<item><g:id>P{i}-{v}</g:id><g:item_group_id>P{g}</g:item_group_id><g:title>Product {g}</g:title>\
             <g:description>{desc}</g:description><g:price>{p}.90 EUR</g:price><g:size>{v}</g:size></item>\n",
            g = i / 8,
            v = i % 8,
            p = 10 + i % 90,
            desc = "A long description of the product. ".repeat(20),
        ));
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

#[test]
fn a_large_feed_streams_in_bounded_memory_and_linear_time() {
    let text = big_feed(20_000);
    assert!(text.len() > 15_000_000, "{}", text.len());
    let started = std::time::Instant::now();
    let mut stream = FeedStream::new(None);
    let mut most_held = 0;
    for chunk in text.as_bytes().chunks(64 * 1024) {
        stream.push(chunk).unwrap();
        most_held = most_held.max(stream.held());
    }
    let page = stream.finish().unwrap();
    let took = started.elapsed();
    assert_eq!(page.products.len(), 2_500);
    assert!(page.products.iter().all(|p| p.variants.len() == 8));
    assert!(page.problems.is_empty());
    assert!(
        most_held < 2 * 1024,
        "only an incomplete item is held between chunks: {most_held} B"
    );
    // The parse used to count lines from the start for every item (quadratic: minutes for
    // 22 MB). Linear now: well under a minute even unoptimised on a loaded machine.
    assert!(took.as_secs() < 60, "{took:?}");
}

#[test]
fn an_item_larger_than_the_cap_is_refused_while_streaming() {
    let mut stream = FeedStream::new(None);
    stream
        .push(b"<rss><channel><item><g:id>1</g:id><g:description>")
        .unwrap();
    let filler = vec![b'x'; 64 * 1024];
    let mut refused = None;
    for _ in 0..(MAX_ITEM_BYTES / filler.len() + 2) {
        if let Err(e) = stream.push(&filler) {
            refused = Some(e);
            break;
        }
    }
    let err = refused.expect("refused before the item ends");
    assert!(err.reason.contains("larger than"), "{err}");
    assert_eq!(err.position, "item 1 (line 1)");
}

#[test]
fn a_large_body_without_a_root_element_is_not_a_feed() {
    let mut stream = FeedStream::new(None);
    let text = vec![b'x'; 64 * 1024];
    let err = (0..40)
        .find_map(|_| stream.push(&text).err())
        .expect("refused before 2.5 MB");
    assert!(err.reason.contains("not a Merchant feed"), "{err}");
}
