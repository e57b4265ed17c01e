//! Portkey's open-source AI gateway (npm `@portkey-ai/gateway`, pinned) on loopback, in front
//! of the same fake AI runtime as ours: the peer in the gateway-overhead comparison. It runs
//! on the repository's Node 22 with `tests/bench/loopback-only.mjs` preloaded, so it listens on
//! 127.0.0.1 only and can reach nothing but 127.0.0.1.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::peers;
use crate::error::{fail, Result};
use crate::harness::free_port;
use crate::http;
use crate::paths::Paths;
use crate::process::Service;

/// A running Portkey gateway.
#[derive(Debug)]
pub(crate) struct Portkey {
    /// `http://127.0.0.1:<port>`.
    pub(crate) url: String,
    /// What ran, for the report: package, its web framework and Node.
    pub(crate) description: String,
    _service: Service,
}

impl Portkey {
    /// Installs (first time) and starts it; waits until `GET /` answers.
    pub(crate) fn start(paths: &Paths, log: &Path) -> Result<Self> {
        let server = peers::portkey(paths)?;
        let port = free_port()?;
        let mut cmd = Command::new(paths.npm_tool("node"));
        cmd.current_dir(
            server
                .parent()
                .and_then(Path::parent)
                .unwrap_or(paths.root.as_path()),
        )
        .arg("--import")
        .arg(paths.at("tests/bench/loopback-only.mjs"))
        .arg(&server)
        .arg(format!("--port={port}"))
        .arg("--headless")
        .env("NODE_ENV", "production")
        .env("PATH", paths.path_env());
        let mut service = Service::start("portkey gateway", &mut cmd, Some(log))?;
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            service.ensure_running()?;
            if matches!(http::request("GET", &format!("{url}/"), &[], b""), Ok(r) if r.status == 200)
            {
                break;
            }
            if Instant::now() > deadline {
                return fail(format!(
                    "Portkey did not answer on {url} within 60 s; log:\n{}",
                    service.log_tail(30)
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let (package, version) = peers::PORTKEY;
        let node = crate::process::output(Command::new(paths.npm_tool("node")).arg("--version"))
            .unwrap_or_default();
        Ok(Self {
            url,
            description: format!(
                "`{package}@{version}` ({}, {}; Node {})",
                peers::portkey_dependency(paths, "hono"),
                peers::portkey_dependency(paths, "@hono/node-server"),
                node.trim()
            ),
            _service: service,
        })
    }

    /// The headers that route a request to the fake upstream as an OpenAI provider.
    pub(crate) fn headers(upstream: &str) -> Vec<(&'static str, String)> {
        vec![
            ("Content-Type", "application/json".into()),
            ("x-portkey-provider", "openai".into()),
            ("x-portkey-custom-host", format!("{upstream}/v1")),
            ("Authorization", "Bearer sk-local-benchmark".into()),
        ]
    }
}
