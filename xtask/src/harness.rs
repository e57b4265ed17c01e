//! Starting the product for `dev`, the end-to-end tests and the benchmarks: the fake AI
//! runtime, the fake shop, local D1 migrations, `wrangler dev` in workerd, health checks and tenant seeding.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::{fail, Error, IoContext, Result};
use crate::http;
use crate::paths::Paths;
use crate::process::{run, tail, Service};
use crate::setup::random_hex;

/// A port that was free a moment ago (bind to :0, read, release).
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context(|| "finding a free port".into())?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .context(|| "reading the free port".into())
}

/// Whether something already listens on this port.
pub(crate) fn port_taken(port: u16) -> bool {
    TcpListener::bind(("127.0.0.1", port)).is_err()
}

fn wrangler(paths: &Paths) -> Command {
    let mut cmd = Command::new(paths.npm_tool("wrangler"));
    cmd.current_dir(&paths.root)
        .env("PATH", paths.path_env())
        .env("WRANGLER_SEND_METRICS", "false")
        .env("FORCE_COLOR", "0");
    cmd
}

/// `wrangler d1 migrations apply DB --local [--persist-to DIR]`.
pub(crate) fn apply_migrations(paths: &Paths, persist_to: Option<&Path>) -> Result<()> {
    let mut cmd = wrangler(paths);
    cmd.args(["d1", "migrations", "apply", "DB", "--local"])
        .env("CI", "true");
    if let Some(dir) = persist_to {
        cmd.arg("--persist-to").arg(dir);
    }
    run(&mut cmd)
}

/// How to start `wrangler dev`.
#[derive(Debug, Clone)]
pub(crate) struct WranglerOptions {
    /// Listen port (127.0.0.1).
    pub(crate) port: u16,
    /// Local state directory; `None` = wrangler's default `.wrangler/state`.
    pub(crate) persist_to: Option<PathBuf>,
    /// `--var KEY:VALUE` overrides.
    pub(crate) vars: Vec<(String, String)>,
    /// Where its output goes (`None`: our terminal).
    pub(crate) log: Option<PathBuf>,
}

/// Starts `wrangler dev --local` and waits until `GET /healthz` answers 200.
pub(crate) fn start_wrangler(paths: &Paths, options: &WranglerOptions) -> Result<Service> {
    let inspector = free_port()?;
    let mut cmd = wrangler(paths);
    cmd.args([
        "dev",
        "--local",
        "--ip",
        "127.0.0.1",
        "--show-interactive-dev-session=false",
    ])
    .args(["--port", &options.port.to_string()])
    .args(["--inspector-port", &inspector.to_string()])
    // Lets tests fire the cron trigger (GET /__scheduled); harmless otherwise.
    .arg("--test-scheduled");
    if let Some(dir) = &options.persist_to {
        cmd.arg("--persist-to").arg(dir);
    }
    for (key, value) in &options.vars {
        cmd.arg("--var").arg(format!("{key}:{value}"));
    }
    let mut service = Service::start("wrangler dev", &mut cmd, options.log.as_deref())?;
    let url = format!("http://127.0.0.1:{}/healthz", options.port);
    wait_for(&mut service, &url, Duration::from_secs(120))?;
    Ok(service)
}

/// Polls `url` until it answers 200, failing early if the service exits.
pub(crate) fn wait_for(service: &mut Service, url: &str, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("no answer yet");
    while Instant::now() < deadline {
        service.ensure_running()?;
        match http::request("GET", url, &[], b"") {
            Ok(response) if response.status == 200 => return Ok(()),
            Ok(response) => last = format!("status {}: {}", response.status, response.text()),
            Err(err) => last = err.to_string(),
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    fail(format!(
        "{url} did not answer 200 within {}s ({last}); last log lines:\n{}",
        timeout.as_secs(),
        service.log_tail(40)
    ))
}

/// Builds (debug) both fakes at once: the AI runtime and the shop.
pub(crate) fn build_fakes(paths: &Paths) -> Result<()> {
    run(Command::new("cargo").current_dir(&paths.root).args([
        "build",
        "--quiet",
        "-p",
        "shopkeep-fake-upstream",
        "-p",
        "shopkeep-fake-shop",
    ]))
}

/// Starts a built fake binary and waits for its first stdout line
/// `listening on http://127.0.0.1:<port>`; returns it and the port.
fn start_fake(
    paths: &Paths,
    name: &str,
    binary: &str,
    args: &[&str],
    log: &Path,
) -> Result<(Service, u16)> {
    let mut cmd = Command::new(paths.target().join("debug").join(binary));
    cmd.args(args);
    let mut service = Service::start(name, &mut cmd, Some(log))?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        service.ensure_running()?;
        let text = fs::read_to_string(log).unwrap_or_default();
        if let Some(port) = text
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("listening on http://127.0.0.1:"))
            .and_then(|port| port.trim().parse().ok())
        {
            return Ok((service, port));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    fail(format!(
        "the {name} did not report its port; log:\n{}",
        tail(log, 20)
    ))
}

/// Builds (debug) and starts the fake AI runtime; returns it and its port.
pub(crate) fn start_fake_upstream(
    paths: &Paths,
    chunk_delay_ms: u64,
    log: &Path,
) -> Result<(Service, u16)> {
    build_fakes(paths)?;
    let delay = chunk_delay_ms.to_string();
    start_fake(
        paths,
        "fake upstream",
        "shopkeep-fake-upstream",
        &["--port", "0", "--chunk-delay-ms", &delay],
        log,
    )
}

/// Starts the (already built) fake shop with `products` generated products (tests/fake-shop);
/// returns it and its port.
pub(crate) fn start_fake_shop(
    paths: &Paths,
    products: usize,
    log: &Path,
) -> Result<(Service, u16)> {
    let products = products.to_string();
    start_fake(
        paths,
        "fake shop",
        "shopkeep-fake-shop",
        &["--port", "0", "--products", &products],
        log,
    )
}

/// demo-site/tenants/demo.json.
pub(crate) fn demo_tenant(paths: &Paths) -> Result<Value> {
    let file = paths.at("demo-site/tenants/demo.json");
    let text = fs::read_to_string(&file).context(|| format!("reading {}", file.display()))?;
    serde_json::from_str(&text).map_err(|err| Error::Other(format!("{}: {err}", file.display())))
}

/// A tenant body: `base` with a new id and allowed origins.
pub(crate) fn tenant_body(base: &Value, tenant_id: &str, origins: &[String]) -> Value {
    let mut body = base.clone();
    body["tenant_id"] = Value::from(tenant_id);
    body["allowed_origins"] = Value::from(origins.to_vec());
    body
}

/// `PUT /v1/platform/tenants/{id}` with the platform secret; 200 or 201 is success.
pub(crate) fn seed_tenant(gateway: &str, platform_secret: &str, body: &Value) -> Result<()> {
    let tenant_id = body["tenant_id"].as_str().unwrap_or("demo");
    let url = format!("{gateway}/v1/platform/tenants/{tenant_id}");
    let auth = format!("Bearer {platform_secret}");
    let response = http::request(
        "PUT",
        &url,
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.to_string().as_bytes(),
    )?;
    match response.status {
        200 | 201 => {
            println!("seeded tenant `{tenant_id}` ({})", response.status);
            Ok(())
        }
        status => fail(format!(
            "seeding tenant `{tenant_id}`: PUT {url} answered {status}: {}",
            response.text()
        )),
    }
}

/// A fresh directory under the system temp dir.
pub(crate) fn temp_dir(prefix: &str) -> Result<PathBuf> {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
    fs::create_dir_all(&dir).context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// Products in the fake shop the e2e tests and `dev` use (its default catalog, which the eval
/// set in tests/eval/ is computed over).
pub(crate) const FAKE_SHOP_PRODUCTS: usize = 2_400;

/// Everything the e2e tests and benchmarks run against: fake upstream, fake shop and gateway on
/// free ports with fresh local state. Dropping it stops them all.
#[derive(Debug)]
pub(crate) struct Stack {
    /// `http://127.0.0.1:<port>` of the gateway.
    pub(crate) gateway: String,
    /// `http://127.0.0.1:<port>` of the fake AI runtime.
    pub(crate) upstream: String,
    /// `http://127.0.0.1:<port>` of the fake shop (tests/fake-shop, default catalog).
    pub(crate) shop: String,
    /// The platform secret passed to the gateway.
    pub(crate) platform_secret: String,
    /// The master secret passed to the gateway (tests forge expired tokens with it).
    pub(crate) master_secret: String,
    /// The local D1/DO state directory (tests inspect storage with `wrangler d1 execute`).
    pub(crate) state: PathBuf,
    /// Temp directory with logs and D1 state.
    pub(crate) dir: PathBuf,
    // Field order = drop order: the gateway stops before its upstream and the shop.
    wrangler: Service,
    fake: Service,
    fake_shop: Service,
}

impl Stack {
    /// Starts the fake upstream and the gateway pointed at it.
    pub(crate) fn start(paths: &Paths, prefix: &str, chunk_delay_ms: u64) -> Result<Self> {
        let dir = temp_dir(prefix)?;
        let (fake, upstream_port) =
            start_fake_upstream(paths, chunk_delay_ms, &dir.join("fake-upstream.log"))?;
        let upstream = format!("http://127.0.0.1:{upstream_port}");
        let (fake_shop, shop_port) =
            start_fake_shop(paths, FAKE_SHOP_PRODUCTS, &dir.join("fake-shop.log"))?;
        let state = dir.join("state");
        apply_migrations(paths, Some(&state))?;
        let platform_secret = random_hex(32)?;
        let master_secret = random_hex(32)?;
        let port = free_port()?;
        let options = WranglerOptions {
            port,
            persist_to: Some(state.clone()),
            vars: vec![
                ("MASTER_SECRET".into(), master_secret.clone()),
                // Short enough for the timeout tests, long enough for a loaded machine.
                ("AI_IDLE_TIMEOUT_MS".into(), "3000".into()),
                ("AI_FIRST_BYTE_TIMEOUT_MS".into(), "5000".into()),
                // Longer than any honest e2e answer (the 2,000-word one), short enough for
                // the duration-cap test.
                ("AI_MAX_ANSWER_MS".into(), "15000".into()),
                // The same fake as a second upstream: tenants whose model makes the primary
                // fail exercise the fallback.
                ("AI_FALLBACK_BASE_URL".into(), format!("{upstream}/v1")),
                ("AI_FALLBACK_MODEL".into(), "fake-normal".into()),
                ("PLATFORM_SECRET".into(), platform_secret.clone()),
                ("AI_BASE_URL".into(), format!("{upstream}/v1")),
                ("AI_MODEL".into(), "fake-normal".into()),
                // The fake shop and the fixture site listen on 127.0.0.1 (outbound.rs).
                ("ALLOW_PRIVATE_FETCH".into(), "1".into()),
            ],
            log: Some(dir.join("wrangler.log")),
        };
        let wrangler = start_wrangler(paths, &options)?;
        Ok(Self {
            gateway: format!("http://127.0.0.1:{port}"),
            upstream,
            shop: format!("http://127.0.0.1:{shop_port}"),
            platform_secret,
            master_secret,
            state,
            dir,
            wrangler,
            fake,
            fake_shop,
        })
    }

    /// Process group of `wrangler dev` and the workerd it started (benchmarks read their CPU
    /// time and memory from /proc).
    pub(crate) fn gateway_group(&self) -> u32 {
        self.wrangler.pid()
    }

    /// Prints the tails of both logs (after a failure).
    pub(crate) fn print_logs(&self) {
        for service in [&self.wrangler, &self.fake, &self.fake_shop] {
            if let Some(log) = service.log() {
                eprintln!(
                    "---- last lines of {} ----\n{}",
                    log.display(),
                    tail(log, 60)
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_body_replaces_id_and_origins_only() {
        let base =
            serde_json::json!({"tenant_id": "demo", "allowed_origins": ["x"], "name": "Acme"});
        let body = tenant_body(
            &base,
            "e2e",
            &["http://127.0.0.1:1".into(), "http://127.0.0.1:2".into()],
        );
        assert_eq!(body["tenant_id"], "e2e");
        assert_eq!(
            body["allowed_origins"],
            serde_json::json!(["http://127.0.0.1:1", "http://127.0.0.1:2"])
        );
        assert_eq!(body["name"], "Acme");
    }

    #[test]
    fn free_ports_are_free() {
        let port = free_port().unwrap();
        assert!(!port_taken(port));
    }
}
