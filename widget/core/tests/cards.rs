//! Product cards and sources under an answer (issues 12 and 15, widget side): blocks from the
//! stream and from history are kept on their message, links and images are https or dropped,
//! option chips pick a variant (price, availability), "Add to cart" asks the shell once per
//! press with the picked variant, and a price reads right without the browser's formatter.

use shopkeep_protocol::{
    Block, CardVariant, ConversationResponse, FinishReason, MessageRole, MessageStatus, Money,
    Platform, ProductCard, SessionResponse, Source, StoredMessage, StreamEvent, Usage,
};
use shopkeep_widget_core::cards::{
    self, format_money, https, Card, Cart, CartOutcome, CartRequest, Shown,
};
use shopkeep_widget_core::{update, Effect, Failure, Msg, Patch, State, Status};

fn eur(amount_minor: i64) -> Money {
    Money {
        amount_minor,
        currency: "EUR".into(),
        exponent: 2,
    }
}

fn variant(id: &str, size: &str, colour: &str, price: i64, available: bool) -> CardVariant {
    CardVariant {
        id: id.into(),
        values: vec![size.into(), colour.into()],
        price: eur(price),
        available,
    }
}

/// A jacket in S/M/L × Blue/Red: M Red is sold out, L exists only in Red and costs more.
fn jacket() -> ProductCard {
    ProductCard {
        id: "p-jacket".into(),
        title: "Summit jacket".into(),
        url: Some("https://shop.example/products/summit".into()),
        image: Some("https://cdn.example/summit.jpg".into()),
        price: eur(12999),
        compare_at: Some(eur(15999)),
        available: true,
        options: vec!["Size".into(), "Colour".into()],
        variants: vec![
            variant("v-s-blue", "S", "Blue", 12999, false),
            variant("v-m-blue", "M", "Blue", 12999, true),
            variant("v-m-red", "M", "Red", 12999, false),
            variant("v-l-red", "L", "Red", 14999, true),
        ],
        selected_variant: Some("v-m-blue".into()),
        platform: Platform::Shopify,
    }
}

fn plain(id: &str, platform: Platform, available: bool) -> ProductCard {
    ProductCard {
        id: id.into(),
        title: id.to_uppercase(),
        url: None,
        image: None,
        price: eur(500),
        compare_at: None,
        available,
        options: vec![],
        variants: vec![],
        selected_variant: None,
        platform,
    }
}

#[test]
fn only_absolute_https_urls_are_kept() {
    for ok in ["https://shop.example/a?b=c#d", "HTTPS://Shop.example/"] {
        assert_eq!(https(Some(ok.into())).as_deref(), Some(ok), "{ok}");
    }
    for bad in [
        "http://shop.example/",
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "//shop.example/x.jpg",
        "/products/x",
        "https://",
        "https://shop.example/a b",
        "https://shop.example/\n",
        "https:\\\\evil.example",
        "https://shop.example\\@evil.example/",
        " https://shop.example/",
    ] {
        assert_eq!(https(Some(bad.into())), None, "{bad}");
    }
    assert_eq!(https(None), None);
}

#[test]
fn source_links_may_be_plain_http_only_when_the_gateway_is() {
    let http = || Some(String::from("http://127.0.0.1:8788/policies/shipping"));
    assert_eq!(cards::source_link(http(), false), None);
    assert_eq!(cards::source_link(http(), true), http());
    for bad in ["javascript:alert(1)", "http://", "http://a b", "ftp://x.y/"] {
        assert_eq!(cards::source_link(Some(bad.into()), true), None, "{bad}");
    }
    assert_eq!(
        cards::source_link(Some("https://shop.example/a".into()), true).as_deref(),
        Some("https://shop.example/a")
    );
}

#[test]
fn shown_blocks_drop_non_https_links_and_images_and_empty_blocks() {
    let mut p = jacket();
    p.url = Some("http://shop.example/products/summit".into());
    p.image = Some("javascript:alert(1)".into());
    let shown = cards::shown(
        vec![
            Block::Sources {
                sources: vec![
                    Source {
                        title: "Shipping".into(),
                        url: Some("https://shop.example/shipping".into()),
                    },
                    Source {
                        title: "Old page".into(),
                        url: Some("http://shop.example/old".into()),
                    },
                    Source {
                        title: "  ".into(),
                        url: Some("https://shop.example/untitled".into()),
                    },
                ],
            },
            Block::Sources { sources: vec![] },
            Block::Products { products: vec![] },
            Block::Products { products: vec![p] },
        ],
        false,
    );
    assert_eq!(shown.len(), 2);
    let Shown::Sources(sources) = &shown[0] else {
        panic!("{shown:?}")
    };
    assert_eq!(
        sources,
        &[
            Source {
                title: "Shipping".into(),
                url: Some("https://shop.example/shipping".into())
            },
            // The title stays as text; the http link goes.
            Source {
                title: "Old page".into(),
                url: None
            },
        ]
    );
    let Shown::Products(cards) = &shown[1] else {
        panic!("{shown:?}")
    };
    assert_eq!(cards[0].product.url, None);
    assert_eq!(cards[0].product.image, None);
}

#[test]
fn a_card_starts_on_the_gateways_variant_else_the_first_in_stock() {
    let c = Card::new(jacket());
    assert_eq!(c.values, ["M", "Blue"]);
    assert_eq!(c.variant().map(|v| v.id.as_str()), Some("v-m-blue"));

    let mut p = jacket();
    p.selected_variant = None;
    assert_eq!(Card::new(p).values, ["M", "Blue"], "S Blue is sold out");

    let mut p = jacket();
    p.selected_variant = Some("gone".into());
    p.variants.iter_mut().for_each(|v| v.available = false);
    assert_eq!(
        Card::new(p).values,
        ["S", "Blue"],
        "nothing in stock: the first"
    );

    // A variant whose values do not fit the options can never be picked.
    let mut p = jacket();
    p.variants.push(CardVariant {
        id: "v-odd".into(),
        values: vec!["XL".into()],
        price: eur(1),
        available: true,
    });
    assert_eq!(Card::new(p).option_values(0), ["S", "M", "L"]);
}

#[test]
fn option_chips_pick_a_variant_and_change_price_and_availability() {
    let mut c = Card::new(jacket());
    assert_eq!(c.option_values(0), ["S", "M", "L"]);
    assert_eq!(c.option_values(1), ["Blue", "Red"]);
    assert_eq!((c.price(), c.available()), (&eur(12999), true));

    // L exists only in Red: picking it moves the colour too, and the price follows.
    c.pick(0, 2);
    assert_eq!(c.values, ["L", "Red"]);
    assert_eq!((c.price(), c.available()), (&eur(14999), true));
    assert_eq!(c.cart_request().variant_id.as_deref(), Some("v-l-red"));

    // M keeps Red (the exact match wins over an in-stock variant that changes the colour).
    c.pick(0, 1);
    assert_eq!(c.values, ["M", "Red"]);
    assert!(!c.available());

    // Out-of-range picks change nothing.
    c.pick(0, 9);
    c.pick(7, 0);
    assert_eq!(c.values, ["M", "Red"]);
}

#[test]
fn chips_are_pressed_for_the_pick_and_disabled_when_nothing_with_them_is_in_stock() {
    let c = Card::new(jacket());
    assert_eq!(c.chip(0, "M"), (true, true));
    assert_eq!(
        c.chip(0, "S"),
        (false, false),
        "S comes only in sold-out Blue"
    );
    assert_eq!(c.chip(0, "L"), (false, true));
    assert_eq!(c.chip(1, "Red"), (false, true), "L Red is in stock");
}

#[test]
fn compare_at_shows_only_when_higher_in_the_same_currency() {
    let mut c = Card::new(jacket());
    assert_eq!(c.compare_at(), Some(&eur(15999)));
    c.pick(0, 2); // 149.99 < 159.99
    assert_eq!(c.compare_at(), Some(&eur(15999)));
    let mut p = jacket();
    p.compare_at = Some(eur(12999));
    assert_eq!(Card::new(p).compare_at(), None, "not a discount");
    let mut p = jacket();
    p.compare_at = Some(Money {
        currency: "USD".into(),
        ..eur(99999)
    });
    assert_eq!(Card::new(p).compare_at(), None, "another currency");
}

#[test]
fn a_card_without_variants_uses_the_products_price_and_stock() {
    let c = Card::new(plain("gift", Platform::Woocommerce, true));
    assert!(c.available());
    assert_eq!(
        c.cart_request(),
        CartRequest {
            product_id: "gift".into(),
            variant_id: None,
            quantity: 1,
            platform: Platform::Woocommerce,
            title: "GIFT".into(),
            price: eur(500),
        }
    );
    assert!(!Card::new(plain("gone", Platform::Other, false)).available());
}

#[test]
fn prices_fall_back_to_amount_and_currency_code() {
    let m = |amount_minor, currency: &str, exponent| Money {
        amount_minor,
        currency: currency.into(),
        exponent,
    };
    assert_eq!(format_money(&m(12999, "EUR", 2)), "129.99 EUR");
    assert_eq!(format_money(&m(5, "USD", 2)), "0.05 USD");
    assert_eq!(format_money(&m(0, "USD", 2)), "0.00 USD");
    assert_eq!(format_money(&m(5000, "JPY", 0)), "5000 JPY");
    assert_eq!(format_money(&m(1234, "KWD", 3)), "1.234 KWD");
    assert_eq!(format_money(&m(-250, "EUR", 2)), "-2.50 EUR");
    assert_eq!(cards::amount(&m(12999, "EUR", 2)), 129.99);
    assert_eq!(cards::amount(&m(5000, "JPY", 0)), 5000.0);
}

// ---- the cards in the widget's state ----

fn streaming() -> State {
    let mut s = State::new("demo");
    update(
        &mut s,
        Msg::SessionCreated(SessionResponse {
            token: "t".into(),
            session_id: "s".into(),
            conversation_id: "c".into(),
            expires_at_ms: 1,
            user_id: None,
            consent: false,
        }),
    );
    update(&mut s, Msg::InputChanged("jackets?".into()));
    update(&mut s, Msg::Submit);
    s
}

fn event(s: &mut State, event: StreamEvent) -> Vec<Effect> {
    let request = s.request;
    update(s, Msg::Stream { request, event })
}

fn products(products: Vec<ProductCard>) -> StreamEvent {
    StreamEvent::Blocks {
        blocks: vec![Block::Products { products }],
    }
}

#[test]
fn blocks_from_the_stream_stay_on_the_answer_after_it_is_done() {
    let mut s = streaming();
    let fx = event(
        &mut s,
        products(vec![jacket(), plain("gift", Platform::Other, true)]),
    );
    assert_eq!(s.messages.len(), 2);
    assert!(fx.contains(&Effect::Render(Patch::Message(1))));
    event(
        &mut s,
        StreamEvent::Delta {
            text: "Two ideas:".into(),
        },
    );
    event(
        &mut s,
        StreamEvent::Blocks {
            blocks: vec![Block::Sources {
                sources: vec![Source {
                    title: "Sizing".into(),
                    url: Some("https://shop.example/sizing".into()),
                }],
            }],
        },
    );
    event(
        &mut s,
        StreamEvent::Done {
            message_id: "a1".into(),
            finish: FinishReason::Complete,
            usage: Usage::default(),
        },
    );
    let m = &s.messages[1];
    assert_eq!(
        (m.status, m.text.as_str()),
        (Status::Complete, "Two ideas:")
    );
    assert_eq!(m.blocks.len(), 2);
    let titles: Vec<&str> = m.cards().map(|c| c.product.title.as_str()).collect();
    assert_eq!(titles, ["Summit jacket", "GIFT"]);
    assert!(matches!(&m.blocks[1], Shown::Sources(s) if s[0].title == "Sizing"));
}

#[test]
fn a_blocks_event_of_unknown_kinds_changes_nothing() {
    let mut s = streaming();
    let fx = event(&mut s, StreamEvent::Blocks { blocks: vec![] });
    assert!(fx.is_empty());
    assert_eq!(s.messages.len(), 1);
}

#[test]
fn an_answer_that_fails_after_its_cards_keeps_them() {
    let mut s = streaming();
    event(&mut s, products(vec![jacket()]));
    let request = s.request;
    update(
        &mut s,
        Msg::StreamFailed {
            request,
            failure: Failure::interrupted(),
        },
    );
    assert_eq!(s.messages.len(), 2);
    assert_eq!(s.messages[1].status, Status::Interrupted);
    assert_eq!(s.messages[1].cards().count(), 1);
}

#[test]
fn picking_an_option_redraws_only_that_card() {
    let mut s = streaming();
    event(&mut s, products(vec![plain("gift", Platform::Other, true)]));
    event(&mut s, products(vec![jacket()]));
    // The jacket is the message's second card (cards count across product blocks).
    let fx = update(
        &mut s,
        Msg::PickOption {
            message: 1,
            card: 1,
            option: 0,
            value: 2,
        },
    );
    assert_eq!(
        fx,
        [Effect::Render(Patch::Card {
            message: 1,
            card: 1
        })]
    );
    assert_eq!(s.messages[1].card(1).unwrap().values, ["L", "Red"]);
    // Indices that point nowhere do nothing.
    for (message, card) in [(1, 2), (0, 0), (9, 0)] {
        let msg = Msg::PickOption {
            message,
            card,
            option: 0,
            value: 0,
        };
        assert!(update(&mut s, msg).is_empty());
    }
}

#[test]
fn add_to_cart_asks_the_shell_once_with_the_picked_variant_and_shows_the_outcome() {
    let mut s = streaming();
    event(&mut s, products(vec![jacket()]));
    update(
        &mut s,
        Msg::PickOption {
            message: 1,
            card: 0,
            option: 0,
            value: 2,
        },
    );
    let fx = update(
        &mut s,
        Msg::AddToCart {
            message: 1,
            card: 0,
        },
    );
    let want = CartRequest {
        product_id: "p-jacket".into(),
        variant_id: Some("v-l-red".into()),
        quantity: 1,
        platform: Platform::Shopify,
        title: "Summit jacket".into(),
        price: eur(14999),
    };
    assert_eq!(
        fx,
        [
            Effect::AddToCart {
                message: 1,
                card: 0,
                request: want
            },
            Effect::Render(Patch::Card {
                message: 1,
                card: 0
            }),
        ]
    );
    assert_eq!(s.messages[1].card(0).unwrap().cart, Cart::Adding);
    // A second press while the first is in flight adds nothing twice.
    let again = Msg::AddToCart {
        message: 1,
        card: 0,
    };
    assert!(update(&mut s, again.clone()).is_empty());

    for (outcome, cart) in [
        (CartOutcome::Added, Cart::Added),
        (CartOutcome::Failed, Cart::Failed),
        (CartOutcome::Handled, Cart::Idle),
    ] {
        s.messages[1].blocks[0] = Shown::Products(vec![Card {
            cart: Cart::Adding,
            ..Card::new(jacket())
        }]);
        let fx = update(
            &mut s,
            Msg::CartDone {
                message: 1,
                card: 0,
                outcome,
            },
        );
        assert_eq!(
            fx,
            [Effect::Render(Patch::Card {
                message: 1,
                card: 0
            })]
        );
        assert_eq!(s.messages[1].card(0).unwrap().cart, cart);
    }
    // After it is done, the shopper can add again.
    assert_eq!(update(&mut s, again).len(), 2);
}

#[test]
fn a_sold_out_pick_cannot_be_added_and_a_new_pick_clears_the_last_outcome() {
    let mut s = streaming();
    event(&mut s, products(vec![jacket()]));
    let pick = |s: &mut State, value| {
        update(
            s,
            Msg::PickOption {
                message: 1,
                card: 0,
                option: 1,
                value,
            },
        )
    };
    pick(&mut s, 1); // M Red: sold out
    let add = Msg::AddToCart {
        message: 1,
        card: 0,
    };
    assert!(update(&mut s, add.clone()).is_empty());
    pick(&mut s, 0); // M Blue
    update(&mut s, add);
    update(
        &mut s,
        Msg::CartDone {
            message: 1,
            card: 0,
            outcome: CartOutcome::Failed,
        },
    );
    pick(&mut s, 0);
    assert_eq!(s.messages[1].card(0).unwrap().cart, Cart::Idle);
}

#[test]
fn history_restores_each_messages_blocks_and_ignores_their_absence() {
    let mut s = streaming();
    // Drop the in-flight send: only the history matters here.
    update(&mut s, Msg::Stop);
    s.messages.clear();
    let stored = |id: &str, role| StoredMessage {
        id: id.into(),
        role,
        text: "t".into(),
        status: MessageStatus::Complete,
        created_at_ms: 0,
        seq: None,
        notice: None,
        minutes: None,
    };
    let conv = ConversationResponse {
        conversation_id: "c".into(),
        messages: vec![
            stored("m1", MessageRole::User),
            stored("m2", MessageRole::Assistant),
            stored("m3", MessageRole::Assistant),
        ],
        live_seq: 0,
    };
    // Only m2 was stored with blocks (the list may be shorter than the messages).
    let blocks = vec![
        vec![],
        vec![Block::Products {
            products: vec![jacket()],
        }],
    ];
    update(&mut s, Msg::HistoryLoaded(conv, blocks));
    let counts: Vec<usize> = s.messages.iter().map(|m| m.cards().count()).collect();
    assert_eq!(counts, [0, 1, 0]);
    assert_eq!(s.messages[1].card(0).unwrap().values, ["M", "Blue"]);
}
