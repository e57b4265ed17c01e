//! `shopkeep-fake-upstream`: a scripted OpenAI-compatible AI runtime for Shopkeep's end-to-end
//! tests and benchmarks.
//!
//! ```text
//! shopkeep-fake-upstream [--port 0] [--host 127.0.0.1] [--chunk-delay-ms 40]
//! ```
//!
//! The first stdout line is `listening on http://127.0.0.1:<port>`. Routes:
//! - `POST /v1/chat/completions` — streams (or, with `stream: false`, returns) the answer
//!   `Echo: <last user message>. This is the fake AI runtime answering in several small chunks.`
//!   word by word. The behaviour is chosen per request, see [`scenario`].
//! - `GET /__requests` — every request received so far (method, path, headers, JSON body);
//!   `DELETE /__requests` forgets them.
//! - `GET /healthz` — `{"ok":true}`.
//!
//! It must not depend on an async runtime or anything from the product: a thread per
//! connection is plenty for tests and keeps the timing honest.

mod completion;
mod http;
mod plan;
mod scenario;

use std::io::{self, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use completion::{answer_text, http_chunk, ChunkHeader, CompletionRequest, Usage, LAST_HTTP_CHUNK};
use http::{read_request, write_response, write_stream_head, Request};
use plan::{stream_steps, Step, StreamSpec};
use scenario::{strip_markers, Scenario};

/// Command-line options.
#[derive(Debug, Clone)]
struct Options {
    host: String,
    port: u16,
    chunk_delay_ms: u64,
}

const USAGE: &str = "usage: shopkeep-fake-upstream [--port N] [--host ADDR] [--chunk-delay-ms MS]";

fn parse_options(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
    let mut options = Options {
        host: "127.0.0.1".into(),
        port: 0,
        chunk_delay_ms: 40,
    };
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        if flag == "--help" || flag == "-h" {
            return Err(USAGE.into());
        }
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
        let bad = |_| format!("bad value for {flag}: {value}");
        match flag.as_str() {
            "--port" => options.port = value.parse().map_err(bad)?,
            "--host" => options.host = value.clone(),
            "--chunk-delay-ms" => options.chunk_delay_ms = value.parse().map_err(bad)?,
            _ => return Err(format!("unknown option {flag}\n{USAGE}")),
        }
    }
    Ok(options)
}

/// State shared by all connections.
#[derive(Debug, Default)]
struct Shared {
    chunk_delay_ms: u64,
    requests: Mutex<Vec<Value>>,
    completions: AtomicU64,
    status_500_then_ok: AtomicU64,
}

fn main() {
    let options = match parse_options(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let listener = match TcpListener::bind((options.host.as_str(), options.port)) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!("cannot listen on {}:{}: {err}", options.host, options.port);
            std::process::exit(1);
        }
    };
    let port = listener
        .local_addr()
        .map(|addr| addr.port())
        .unwrap_or(options.port);
    println!("listening on http://{}:{port}", options.host);
    let _ = io::stdout().flush();

    let shared = Arc::new(Shared {
        chunk_delay_ms: options.chunk_delay_ms,
        ..Shared::default()
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            if let Err(err) = handle(stream, &shared) {
                // Clients hanging up mid-stream is normal (stop button, cut scenarios).
                if !matches!(
                    err.kind(),
                    io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset
                ) {
                    eprintln!("connection error: {err}");
                }
            }
        });
    }
}

fn json_response(stream: &mut TcpStream, status: u16, body: &Value) -> io::Result<()> {
    write_response(
        stream,
        status,
        &[],
        "application/json",
        body.to_string().as_bytes(),
    )
}

/// An error in OpenAI's shape.
fn openai_error(message: &str, kind: &str) -> Value {
    json!({"error": {"message": message, "type": kind, "param": null, "code": null}})
}

fn handle(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let request = read_request(&stream)?;
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/healthz") => json_response(&mut stream, 200, &json!({"ok": true})),
        ("GET", "/__requests") => {
            let log = shared.requests.lock().map(|log| Value::Array(log.clone()));
            json_response(&mut stream, 200, &log.unwrap_or(Value::Null))
        }
        ("DELETE", "/__requests") => {
            if let Ok(mut log) = shared.requests.lock() {
                log.clear();
            }
            json_response(&mut stream, 200, &json!({"ok": true}))
        }
        ("POST", "/v1/chat/completions" | "/chat/completions") => {
            record(shared, &request);
            chat_completions(&mut stream, shared, &request)
        }
        _ => json_response(
            &mut stream,
            404,
            &openai_error(
                &format!("no route {} {}", request.method, request.path),
                "not_found",
            ),
        ),
    }
}

fn record(shared: &Shared, request: &Request) {
    let body = serde_json::from_slice::<Value>(&request.body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&request.body).into_owned()));
    let headers: serde_json::Map<String, Value> = request
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    let entry =
        json!({"method": request.method, "path": request.path, "headers": headers, "body": body});
    if let Ok(mut log) = shared.requests.lock() {
        log.push(entry);
    }
}

fn chat_completions(stream: &mut TcpStream, shared: &Shared, request: &Request) -> io::Result<()> {
    let parsed = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| CompletionRequest::from_json(&body));
    let Some(completion) = parsed else {
        let error = openai_error(
            "body must be JSON with a `messages` array",
            "invalid_request_error",
        );
        return json_response(stream, 400, &error);
    };
    let scenario = match Scenario::select(&completion.last_user_message, &completion.model) {
        Ok(scenario) => scenario,
        Err(unknown) => {
            return json_response(
                stream,
                400,
                &openai_error(&unknown.to_string(), "invalid_request_error"),
            )
        }
    };

    match scenario {
        Scenario::Status429 => {
            let error = openai_error("Rate limit reached (fake)", "rate_limit_exceeded");
            return write_response(
                stream,
                429,
                &[("Retry-After", "1")],
                "application/json",
                error.to_string().as_bytes(),
            );
        }
        Scenario::JsonError200 => {
            let error = openai_error("The model is overloaded (fake)", "server_error");
            return json_response(stream, 200, &error);
        }
        Scenario::RejectsTools if completion.offers_tools => {
            let error = openai_error(
                "tools is not supported for this model (fake)",
                "invalid_request_error",
            );
            return json_response(stream, 400, &error);
        }
        Scenario::Html200 => {
            let page =
                b"<!doctype html><html><body><h1>Please sign in to the Wi-Fi</h1></body></html>";
            return write_response(stream, 200, &[], "text/html; charset=utf-8", page);
        }
        Scenario::Status500ThenOk
            if shared
                .status_500_then_ok
                .fetch_add(1, Ordering::SeqCst)
                .is_multiple_of(2) =>
        {
            return json_response(
                stream,
                500,
                &openai_error("The server had an error (fake)", "server_error"),
            );
        }
        _ => {}
    }

    let header = ChunkHeader {
        id: format!(
            "chatcmpl-fake-{}",
            shared.completions.fetch_add(1, Ordering::SeqCst) + 1
        ),
        model: completion.model.clone(),
        created: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    };
    let question = strip_markers(&completion.last_user_message);
    let calls_tool = match scenario {
        Scenario::ToolCall if completion.tool_results.is_empty() => Some("search_knowledge"),
        Scenario::UnknownToolCall if completion.tool_results.is_empty() => {
            Some("cancel_all_orders")
        }
        Scenario::ToolCallForever => Some("search_knowledge"),
        Scenario::ProductSearch if completion.tool_results.is_empty() => Some("search_products"),
        Scenario::HandoffCall if completion.tool_results.is_empty() => Some("handoff"),
        Scenario::OrderLookup if completion.tool_results.is_empty() => Some("lookup_order"),
        _ => None,
    };
    if let (Some(name), true, true) = (calls_tool, completion.offers_tools, completion.stream) {
        let arguments = if name == "handoff" {
            json!({ "reason": "asked for a person", "summary": question })
        } else if name == "lookup_order" {
            completion::order_arguments(&question)
        } else {
            json!({ "query": question })
        }
        .to_string();
        let steps = plan::tool_call_steps(&header, name, &arguments, shared.chunk_delay_ms);
        return play(stream, steps);
    }
    let answer = if completion.tool_results.is_empty() {
        answer_text(&question)
    } else if scenario == Scenario::OrderLookup {
        completion::order_answer(&completion.tool_results)
    } else {
        completion::answer_from_tool_results(&completion.tool_results)
    };

    if !completion.stream {
        let usage = Usage {
            prompt_tokens: completion.prompt_tokens,
            completion_tokens: completion::split_words(&answer).len() as u64,
        };
        return json_response(stream, 200, &header.completion(&answer, usage));
    }

    let steps = stream_steps(&StreamSpec {
        scenario,
        header: &header,
        answer: &answer,
        chunk_delay_ms: shared.chunk_delay_ms,
        include_usage: completion.include_usage,
        prompt_tokens: completion.prompt_tokens,
    });
    play(stream, steps)
}

/// Writes a stream head and plays the steps.
fn play(stream: &mut TcpStream, steps: Vec<Step>) -> io::Result<()> {
    write_stream_head(stream)?;
    for step in steps {
        match step {
            Step::Send { delay_ms, event } => {
                if delay_ms > 0 {
                    thread::sleep(Duration::from_millis(delay_ms));
                }
                stream.write_all(&http_chunk(&event))?;
                stream.flush()?;
            }
            Step::Finish => {
                stream.write_all(LAST_HTTP_CHUNK)?;
                stream.flush()?;
            }
            Step::Cut => {
                // Abrupt end: no terminating chunk, so the client sees a truncated body.
                let _ = stream.shutdown(std::net::Shutdown::Both);
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn defaults_and_flags() {
        let options = parse_options(args(&[])).unwrap();
        assert_eq!(
            (options.port, options.chunk_delay_ms, options.host.as_str()),
            (0, 40, "127.0.0.1")
        );
        let options = parse_options(args(&["--port", "9100", "--chunk-delay-ms", "2"])).unwrap();
        assert_eq!((options.port, options.chunk_delay_ms), (9100, 2));
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(parse_options(args(&["--port"])).is_err());
        assert!(parse_options(args(&["--port", "x"])).is_err());
        assert!(parse_options(args(&["--colour", "red"])).is_err());
    }
}
