//! What the gateway's own logic costs per chat turn, natively on the host: every pure step a
//! turn runs (token check, privacy forms, the upstream request, decoding the upstream's
//! stream and encoding the shopper's), with the demo tenant. Not a pass/fail test: run by hand
//! for docs/BENCHMARKS.md ("CPU per turn"):
//!
//!   cargo test --release -p shopkeep-gateway-core --test turn_cpu -- --ignored --nocapture
//!
//! The worker runs the same code as wasm (typically 1.5–2× slower than native).

use std::hint::black_box;
use std::time::Instant;

use shopkeep_gateway_core::openai_sse::OpenAiStreamDecoder;
use shopkeep_gateway_core::privacy;
use shopkeep_gateway_core::prompt::{round_request, HistoryTurn};
use shopkeep_gateway_core::relay::encode_event;
use shopkeep_gateway_core::retrieval::KnowledgeIndex;
use shopkeep_gateway_core::session_token::{self, derive_key, KeyPurpose, SessionClaims};
use shopkeep_gateway_core::tenant::TenantConfig;
use shopkeep_gateway_core::tools::Toolset;
use shopkeep_protocol::{MessageRole, StreamEvent};

fn demo_config_json() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../demo-site/tenants/demo.json"
    );
    std::fs::read_to_string(path).expect("demo tenant")
}

/// Median µs of `f` over `rounds` batches of `n` calls.
fn time(n: u32, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// A 25-chunk OpenAI stream like the fake upstream's, split as the network delivered it.
fn upstream_chunks() -> Vec<Vec<u8>> {
    let words = "Orders ship within two business days from our warehouse and usually arrive \
                 three to five days later; you get a tracking link by e-mail as soon as it leaves.";
    let mut chunks = vec![br#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

"#
    .to_vec()];
    for word in words.split(' ') {
        chunks.push(
            format!(
                "data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"{word} \"}},\"finish_reason\":null}}]}}\n\n"
            )
            .into_bytes(),
        );
    }
    chunks.push(br#"data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}

data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":25,"total_tokens":145}}

data: [DONE]

"#.to_vec());
    chunks
}

#[test]
#[ignore = "a measurement, run by hand with --release (see the module doc)"]
fn per_turn_cpu_of_the_pure_steps() {
    let config_json = demo_config_json();
    let config: TenantConfig = serde_json::from_str(&config_json).expect("demo config parses");
    let index = KnowledgeIndex::new(config.knowledge.clone());
    let master = [7u8; 32];
    let claims = SessionClaims {
        tenant_id: "demo".into(),
        session_id: "s_AAAAAAAAAAAAAAAAAAAAAA".into(),
        conversation_id: "c_AAAAAAAAAAAAAAAAAAAAAA".into(),
        origin: "https://shop.example".into(),
        user_id: None,
        email_digest: None,
        consent: true,
        issued_at_ms: 1_000,
        expires_at_ms: u64::MAX / 2,
    };
    let key = derive_key(&master, "demo", KeyPurpose::Session, "k1");
    let token = session_token::sign(&claims, "k1", &key);
    let question = "How long does shipping take to Germany, and can I return shoes?";
    let history: Vec<HistoryTurn> = (0..10)
        .map(|i| HistoryTurn {
            role: if i % 2 == 0 {
                MessageRole::User
            } else {
                MessageRole::Assistant
            },
            text: "Orders ship within two business days and arrive three to five days later."
                .into(),
        })
        .collect();
    let chunks = upstream_chunks();

    let rows: Vec<(&str, f64)> = vec![
        (
            "token: peek + derive key + verify (HMAC-SHA256)",
            time(2_000, || {
                let (tenant, kid) = session_token::peek(black_box(&token)).unwrap();
                let key = derive_key(&master, &tenant, KeyPurpose::Session, &kid);
                black_box(session_token::verify(&token, &key, 2_000).unwrap());
            }),
        ),
        (
            "token: verify with the cached derived key",
            time(2_000, || {
                let (_tenant, _kid) = session_token::peek(black_box(&token)).unwrap();
                black_box(session_token::verify(&token, &key, 2_000).unwrap());
            }),
        ),
        (
            "privacy forms of the question + 10 history turns for the AI",
            time(2_000, || {
                black_box(privacy::forms(black_box(question), &config.privacy));
                black_box(privacy::history_for_ai(history.clone(), &config.privacy));
            }),
        ),
        (
            "upstream request, tools mode (system prompt, history, tools JSON)",
            time(2_000, || {
                black_box(round_request(
                    &config,
                    &index,
                    &history,
                    question,
                    "m",
                    Some(Toolset::KNOWLEDGE),
                    &[],
                ));
            }),
        ),
        (
            "upstream request, prompt-only mode (with retrieval)",
            time(2_000, || {
                black_box(round_request(
                    &config,
                    &index,
                    &history,
                    question,
                    "m",
                    None,
                    &[],
                ));
            }),
        ),
        (
            "relay: decode a 27-chunk upstream stream + encode 25 delta events",
            time(500, || {
                let mut decoder = OpenAiStreamDecoder::new();
                for chunk in &chunks {
                    for event in decoder.push(chunk) {
                        if let shopkeep_gateway_core::openai_sse::UpstreamEvent::Delta(text) = event
                        {
                            black_box(encode_event(&StreamEvent::Delta { text }));
                        }
                    }
                }
            }),
        ),
        (
            "privacy form of the stored answer (~25 words)",
            time(2_000, || {
                black_box(privacy::forms(
                    black_box("Orders ship within two business days from our warehouse and usually arrive three to five days later; you get a tracking link by e-mail as soon as it leaves."),
                    &config.privacy,
                ));
            }),
        ),
        (
            "tenant row: parse config JSON + build the knowledge index (per change, was per 2 s)",
            time(200, || {
                let c: TenantConfig = serde_json::from_str(black_box(&config_json)).unwrap();
                black_box(KnowledgeIndex::new(c.knowledge));
            }),
        ),
    ];
    println!("\n| pure step (native, release) | µs |\n|---|---:|");
    for (name, us) in &rows {
        println!("| {name} | {us:.1} |");
    }
    let per_turn: f64 = rows[1..4].iter().map(|(_, us)| us).sum::<f64>() + rows[5].1 + rows[6].1;
    println!("| **per turn (cached key, tools mode, relay, stored answer)** | **{per_turn:.1}** |");
    assert!(per_turn > 0.0);
}
