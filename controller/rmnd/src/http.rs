//! A minimal HTTP/1.0 responder for `/metrics` (Prometheus text format) and
//! `/status` (JSON). Read-only; one short-lived thread per request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::Duration;

use tracing::warn;

use crate::metrics::Metrics;
use crate::status::ClusterStatus;

/// Most bytes of a request head (request line and header lines) read.
const MAX_REQUEST_HEAD: u64 = 8192;

/// Serves until `stop` is set.
pub fn serve(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    status: Arc<Mutex<ClusterStatus>>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    while !stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                let (metrics, status) = (metrics.clone(), status.clone());
                let _ = thread::Builder::new().name("http".into()).spawn(move || {
                    if let Err(e) = respond(stream, &metrics, &status) {
                        tracing::debug!("http: {e}");
                    }
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => {
                warn!("http accept: {e}");
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
    Ok(())
}

fn respond(
    stream: TcpStream,
    metrics: &Metrics,
    status: &Mutex<ClusterStatus>,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let line = read_request_head(&stream)?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let (code, content_type, body) = match (method, path) {
        ("GET", "/metrics") => (
            "200 OK",
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
        ),
        ("GET", "/status") => {
            let snapshot = status
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            (
                "200 OK",
                "application/json",
                serde_json::to_string(&snapshot).unwrap_or_else(|_| "{}".into()),
            )
        }
        ("GET", _) => (
            "404 Not Found",
            "text/plain",
            "try /metrics or /status\n".into(),
        ),
        _ => ("405 Method Not Allowed", "text/plain", "GET only\n".into()),
    };
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.0 {code}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// Reads the whole request head and returns its first line.
///
/// The whole head, not just the request line: closing a socket with unread
/// bytes makes the kernel answer with a reset, and a client still writing its
/// header lines then lost the response ("Broken pipe" from `reunion top` on a
/// slow testbed host).
fn read_request_head(stream: &TcpStream) -> std::io::Result<String> {
    let mut reader = BufReader::new(stream.take(MAX_REQUEST_HEAD));
    let mut first = String::new();
    reader.read_line(&mut first)?;
    let mut header = String::new();
    loop {
        header.clear();
        if reader.read_line(&mut header)? == 0 || header.trim_end().is_empty() {
            return Ok(first);
        }
    }
}

/// Fetches `http://<address><path>` (for `reunion status`/`top` and tests).
pub fn get(address: &str, path: &str, timeout: Duration) -> std::io::Result<String> {
    let addr = std::net::ToSocketAddrs::to_socket_addrs(address)?
        .next()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    // One write: the request arrives whole, in one segment.
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").as_bytes())?;
    let mut response = String::new();
    stream.take(64 << 20).read_to_string(&mut response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP header"))?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(format!(
            "HTTP error: {}",
            head.lines().next().unwrap_or("")
        )));
    }
    Ok(body.to_string())
}
