//! The status endpoint answers only after the whole request head arrived.
//!
//! Answering after the request line and closing with header lines still
//! unread made the kernel reset the connection, and a client whose header
//! lines came a moment later (a slow testbed dom0) lost the response:
//! `reunion top` failed with "Broken pipe".

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;

#[test]
fn status_waits_for_the_blank_line_then_answers_a_client_that_writes_in_pieces() {
    let rmn = start_rmn(&["xen-a"], ScriptedEngine::default(), false, 0, "http-head");
    let mut stream = TcpStream::connect(rmn.http_address).expect("connect");
    stream
        .write_all(b"GET /status HTTP/1.0\r\n")
        .expect("request line");
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut early = [0u8; 64];
    match stream.read(&mut early) {
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        other => panic!("answered before the request head ended: {other:?}"),
    }
    stream
        .write_all(b"Host: test\r\nUser-Agent: pieces\r\n")
        .expect("headers");
    stream.write_all(b"\r\n").expect("blank line");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    assert!(response.starts_with("HTTP/1.0 200 OK\r\n"), "{response}");
    assert!(response.contains("\"hosts\""), "{response}");
    rmn.shutdown();
}

#[test]
fn the_client_reads_status_from_the_daemon() {
    let rmn = start_rmn(&["xen-a"], ScriptedEngine::default(), false, 0, "http-get");
    let body = reunion_rmnd::http::get(
        &rmn.http_address.to_string(),
        "/status",
        Duration::from_secs(5),
    )
    .expect("status");
    assert!(body.contains("\"hosts\""), "{body}");
    rmn.shutdown();
}
