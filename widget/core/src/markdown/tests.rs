//! Markdown subset: what renders, and that nothing unsafe survives.

use super::*;
use proptest::prelude::*;

fn t(s: &str) -> Inline {
    Inline::Text(s.into())
}

#[test]
fn paragraphs_breaks_and_emphasis() {
    assert_eq!(
        parse("Hello **big** *world*\nline two\n\nNext `a<b>`"),
        vec![
            Block::Paragraph(vec![
                t("Hello "),
                Inline::Strong(vec![t("big")]),
                t(" "),
                Inline::Emphasis(vec![t("world")]),
                Inline::Break,
                t("line two"),
            ]),
            Block::Paragraph(vec![t("Next "), Inline::Code("a<b>".into())]),
        ]
    );
}

#[test]
fn lists_headings_and_code_blocks() {
    let md = "# Shipping\n- one\n- **two**\n1. first\n2. second\n```rust\nlet x = \"<script>\";\n```\nafter";
    assert_eq!(
        parse(md),
        vec![
            Block::Heading(vec![t("Shipping")]),
            Block::List {
                ordered: false,
                items: vec![vec![t("one")], vec![Inline::Strong(vec![t("two")])]]
            },
            Block::List {
                ordered: true,
                items: vec![vec![t("first")], vec![t("second")]]
            },
            Block::Code("let x = \"<script>\";".into()),
            Block::Paragraph(vec![t("after")]),
        ]
    );
}

#[test]
fn unclosed_fence_while_streaming_is_still_code() {
    assert_eq!(parse("```\npartial"), vec![Block::Code("partial".into())]);
}

#[test]
fn only_http_links_become_links() {
    assert_eq!(
        parse_inline(
            "[Track](https://shop.example/track?id=1) [x](javascript:alert(1)) [y](HTTP://a.b)",
            0
        ),
        vec![
            Inline::Link {
                href: "https://shop.example/track?id=1".into(),
                children: vec![t("Track")]
            },
            t(" "),
            t("x"),
            t(" "),
            Inline::Link {
                href: "HTTP://a.b".into(),
                children: vec![t("y")]
            },
        ]
    );
    for bad in [
        "javascript:alert(1)",
        "data:text/html,x",
        "//evil",
        "https://",
        "https:///x",
        "https://a b",
        "vbscript:x",
        " https://x\"onerror=1",
    ] {
        assert_eq!(safe_href(bad), None, "{bad}");
    }
}

#[test]
fn html_stays_text() {
    let md = "<img src=x onerror=alert(1)><script>alert(1)</script>";
    assert_eq!(parse(md), vec![Block::Paragraph(vec![t(md)])]);
}

#[test]
fn snake_case_and_lone_markers_stay_text() {
    assert_eq!(
        parse_inline("use my_var_name * 2 and **unclosed", 0),
        vec![t("use my_var_name * 2 and **unclosed")]
    );
    assert_eq!(parse_inline(r"\*not italic\*", 0), vec![t("*not italic*")]);
}

fn links(blocks: &[Block]) -> Vec<String> {
    fn walk(i: &[Inline], out: &mut Vec<String>) {
        for n in i {
            match n {
                Inline::Link { href, children } => {
                    out.push(href.clone());
                    walk(children, out)
                }
                Inline::Strong(c) | Inline::Emphasis(c) => walk(c, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for b in blocks {
        match b {
            Block::Paragraph(i) | Block::Heading(i) => walk(i, &mut out),
            Block::List { items, .. } => items.iter().for_each(|i| walk(i, &mut out)),
            Block::Code(_) => {}
        }
    }
    out
}

proptest! {
    #[test]
    fn never_panics_and_every_link_is_http(s in "(\\PC|[\\[\\]()*_`#\\-\\n\\\\]|https://|javascript:){0,80}") {
        let blocks = parse(&s);
        for href in links(&blocks) {
            let lower = href.to_ascii_lowercase();
            prop_assert!(lower.starts_with("http://") || lower.starts_with("https://"), "{}", href);
        }
    }

    #[test]
    fn plain_prose_keeps_its_text(s in "[a-zA-Z][a-zA-Z0-9 ,.?!]{0,60}") {
        let blocks = parse(&s);
        let text: String = blocks.iter().map(|b| match b {
            Block::Paragraph(i) => plain_text(i),
            _ => String::new(),
        }).collect();
        prop_assert_eq!(text, s.trim_start().to_string());
    }
}
