//! The network shell: a thread per connection, one request each, the shop's answer written
//! after any delay a fault asked for.
//!
//! Owns: sockets and the clock. Must not depend on: routes (they live in [`crate::shop`]).

use std::io;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::http::{read_request, Response};
use crate::shop::{Now, Shop};

/// Serves `shop` on `listener` until the process ends.
pub fn serve_forever(listener: TcpListener, shop: Arc<Shop>) {
    let started = Instant::now();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let shop = Arc::clone(&shop);
        thread::spawn(move || {
            if let Err(err) = serve(stream, &shop, started) {
                // Clients hanging up early is normal (timeouts, aborted syncs).
                if !matches!(
                    err.kind(),
                    io::ErrorKind::BrokenPipe
                        | io::ErrorKind::ConnectionReset
                        | io::ErrorKind::UnexpectedEof
                ) {
                    eprintln!("connection error: {err}");
                }
            }
        });
    }
}

fn serve(mut stream: TcpStream, shop: &Shop, started: Instant) -> io::Result<()> {
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let response = match read_request(&stream) {
        Ok(request) => {
            let now = Now {
                ms: started.elapsed().as_millis() as u64,
                unix: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
            };
            shop.handle(&request, now)
        }
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            Response::new(400, "text/plain", format!("bad request: {err}"))
        }
        Err(err) => return Err(err),
    };
    if response.delay_ms > 0 {
        thread::sleep(Duration::from_millis(response.delay_ms));
    }
    response.write_to(&mut stream)
}
