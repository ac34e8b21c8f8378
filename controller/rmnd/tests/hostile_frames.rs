//! Unauthenticated, replayed, oversized and garbage input: each rejected, the
//! connection closed, and the daemon keeps serving the honest agent.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use common::*;
use reunion_proto::{connect, AgentMessage, Psk, SessionOptions};
use reunion_rmnd::RunningDaemon;

fn metrics(rmn: &RunningDaemon) -> String {
    reunion_rmnd::http::get(
        &rmn.http_address.to_string(),
        "/metrics",
        Duration::from_secs(2),
    )
    .expect("metrics")
}

fn rejected(rmn: &RunningDaemon, reason: &str) -> bool {
    metrics(rmn).contains(&format!(
        "reunion_rejected_connections_total{{reason=\"{reason}\"}} 1"
    ))
}

/// The server closed the connection: a read returns EOF or an error.
fn closed_by_server(mut stream: TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) => {
                return e.kind() != std::io::ErrorKind::WouldBlock
                    && e.kind() != std::io::ErrorKind::TimedOut
            }
        }
    }
}

/// A TCP proxy that records what the client sends and lets the test inject
/// bytes towards the server.
struct Proxy {
    address: SocketAddr,
    recorded: Arc<Mutex<Vec<u8>>>,
    upstream: Arc<Mutex<Option<TcpStream>>>,
}

fn proxy(server: SocketAddr) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("addr");
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let upstream_slot = Arc::new(Mutex::new(None));
    let (rec, slot) = (recorded.clone(), upstream_slot.clone());
    thread::spawn(move || {
        let (mut client, _) = listener.accept().expect("accept");
        let upstream = TcpStream::connect(server).expect("connect");
        *slot.lock().expect("slot") = Some(upstream.try_clone().expect("clone"));
        let mut down_from = upstream.try_clone().expect("clone");
        let mut down_to = client.try_clone().expect("clone");
        thread::spawn(move || {
            let _ = std::io::copy(&mut down_from, &mut down_to);
            // The server closed: pass that on to the client.
            let _ = down_to.shutdown(std::net::Shutdown::Both);
        });
        let mut up = upstream;
        let mut buf = [0u8; 4096];
        while let Ok(n) = client.read(&mut buf) {
            if n == 0 {
                break;
            }
            rec.lock().expect("rec").extend_from_slice(&buf[..n]);
            if up.write_all(&buf[..n]).is_err() {
                break;
            }
        }
    });
    Proxy {
        address,
        recorded,
        upstream: upstream_slot,
    }
}

#[test]
fn hostile_input_is_rejected_and_the_daemon_keeps_serving() {
    let world = world(&[("xen-a", vec![domain(1, 5, "web")])]);
    let engine = ScriptedEngine::default();
    let rmn = start_rmn(&["xen-a", "xen-x"], engine.clone(), false, 0, "hostile");
    let honest = start_agent(&world, "xen-a", rmn.agent_address, &[]);
    assert!(wait_until(Duration::from_secs(10), || reports_from(
        &engine, "xen-a"
    ) > 0));

    // Garbage instead of a handshake.
    let mut garbage = TcpStream::connect(rmn.agent_address).expect("connect");
    garbage.write_all(&[0, 0, 0, 16]).expect("write");
    garbage.write_all(b"GET / HTTP/1.1\r\n").expect("write");
    assert!(closed_by_server(garbage));
    assert!(wait_until(Duration::from_secs(5), || rejected(
        &rmn, "garbage"
    )));

    // Oversized handshake frame: refused from its length prefix alone.
    let mut oversized = TcpStream::connect(rmn.agent_address).expect("connect");
    oversized.write_all(&u32::MAX.to_be_bytes()).expect("write");
    assert!(closed_by_server(oversized));
    assert!(wait_until(Duration::from_secs(5), || rejected(
        &rmn,
        "oversized"
    )));

    // Unauthenticated: a known identity with the wrong key. The honest client
    // notices the server's tag does not match and aborts...
    let wrong = connect(
        rmn.agent_address,
        "rmn",
        "xen-x",
        &Psk::from_bytes([0xee; 32]),
        &SessionOptions::default(),
    );
    assert!(wrong.is_err());
    assert!(wait_until(Duration::from_secs(5), || rejected(
        &rmn, "aborted"
    )));
    // ...and a client that ignores the server's tag and sends a forged finish is
    // refused by the server's own check.
    let mut forger = TcpStream::connect(rmn.agent_address).expect("connect");
    let mut hello = b"REUNION\0".to_vec();
    hello.extend_from_slice(&1u16.to_be_bytes());
    hello.extend_from_slice(&[0x33; 32]);
    hello.push(5);
    hello.extend_from_slice(b"xen-x");
    forger
        .write_all(&(hello.len() as u32).to_be_bytes())
        .expect("write");
    forger.write_all(&hello).expect("write");
    let mut server_hello = [0u8; 4 + 8 + 2 + 1 + 32 + 32];
    forger.read_exact(&mut server_hello).expect("server hello");
    forger.write_all(&32u32.to_be_bytes()).expect("write");
    forger.write_all(&[0x44; 32]).expect("write");
    assert!(closed_by_server(forger));
    assert!(wait_until(Duration::from_secs(5), || rejected(
        &rmn, "bad_mac"
    )));

    // Unknown identity.
    let unknown = connect(
        rmn.agent_address,
        "rmn",
        "xen-zz",
        &key_of("xen-zz"),
        &SessionOptions::default(),
    );
    assert!(unknown.is_err());
    assert!(wait_until(Duration::from_secs(5), || rejected(
        &rmn,
        "unknown_identity"
    )));

    // Replay: an authenticated session's first frame, sent again.
    let p = proxy(rmn.agent_address);
    let mut session = connect(
        p.address,
        "rmn",
        "xen-x",
        &key_of("xen-x"),
        &SessionOptions::default(),
    )
    .expect("authenticated");
    session.writer.send(&AgentMessage::Heartbeat).expect("send");
    let handshake_len = (4 + 8 + 2 + 32 + 1 + "xen-x".len()) + (4 + 32);
    assert!(wait_until(Duration::from_secs(5), || {
        p.recorded.lock().expect("rec").len() > handshake_len
    }));
    let frame = p.recorded.lock().expect("rec")[handshake_len..].to_vec();
    p.upstream
        .lock()
        .expect("slot")
        .as_mut()
        .expect("upstream")
        .write_all(&frame)
        .expect("inject");
    assert!(closed_by_server(
        session.writer.get_ref().try_clone().expect("clone")
    ));
    assert!(wait_until(Duration::from_secs(5), || rejected(
        &rmn, "replay"
    )));

    // Oversized frame after authentication.
    let session = connect(
        rmn.agent_address,
        "rmn",
        "xen-x",
        &key_of("xen-x"),
        &SessionOptions::default(),
    )
    .expect("authenticated");
    let mut raw = session.writer.get_ref().try_clone().expect("clone");
    raw.write_all(&(64u32 << 20).to_be_bytes()).expect("write");
    assert!(closed_by_server(raw));
    assert!(wait_until(Duration::from_secs(5), || {
        metrics(&rmn).contains("reunion_rejected_connections_total{reason=\"oversized\"} 2")
    }));

    // Forged frame after authentication (garbage with a plausible length).
    let session = connect(
        rmn.agent_address,
        "rmn",
        "xen-x",
        &key_of("xen-x"),
        &SessionOptions::default(),
    )
    .expect("authenticated");
    let mut raw = session.writer.get_ref().try_clone().expect("clone");
    let mut forged = 48u32.to_be_bytes().to_vec();
    forged.extend_from_slice(&[0x41; 48]);
    raw.write_all(&forged).expect("write");
    assert!(closed_by_server(raw));
    assert!(wait_until(Duration::from_secs(5), || {
        metrics(&rmn).contains("reunion_rejected_connections_total{reason=\"bad_mac\"} 2")
    }));

    // Through all of it the honest agent kept reporting.
    let before = reports_from(&engine, "xen-a");
    assert!(wait_until(Duration::from_secs(10), || reports_from(
        &engine, "xen-a"
    ) > before + 2));
    assert!(status(&rmn)
        .hosts
        .iter()
        .any(|h| h.host == "xen-a" && h.connected));
    honest.stop();
    rmn.shutdown();
}
