//! The mutual-authentication handshake over loopback TCP.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use reunion_proto::{accept, connect, ProtoError, Psk, SessionOptions};

fn keystore(identity: &str, key: &Psk) -> BTreeMap<String, Psk> {
    BTreeMap::from([(identity.to_string(), key.clone())])
}

/// Runs one server handshake on a fresh listener; returns its address and the
/// server thread, which yields the accepted session's result.
fn serve_once(
    store: BTreeMap<String, Psk>,
) -> (
    std::net::SocketAddr,
    thread::JoinHandle<Result<reunion_proto::Session, ProtoError>>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        accept(stream, &store, &SessionOptions::default())
    });
    (addr, handle)
}

#[test]
fn matching_keys_establish_a_session_both_ways() {
    let key = Psk::from_bytes([5; 32]);
    let (addr, server) = serve_once(keystore("xen-a", &key));
    let mut client =
        connect(addr, "rmn", "xen-a", &key, &SessionOptions::default()).expect("client");
    let mut server = server.join().expect("join").expect("server");
    assert_eq!(server.peer_identity, "xen-a");
    client.writer.send_bytes(b"ping").expect("send");
    assert_eq!(server.reader.recv_bytes().expect("recv"), b"ping");
    server.writer.send_bytes(b"pong").expect("send");
    assert_eq!(client.reader.recv_bytes().expect("recv"), b"pong");
}

#[test]
fn wrong_key_fails_on_both_sides() {
    let (addr, server) = serve_once(keystore("xen-a", &Psk::from_bytes([5; 32])));
    let client = connect(
        addr,
        "rmn",
        "xen-a",
        &Psk::from_bytes([6; 32]),
        &SessionOptions::default(),
    );
    assert!(matches!(client, Err(ProtoError::BadMac)));
    // The client gave up before sending its finish: the server sees EOF, never a session.
    assert!(server.join().expect("join").is_err());
}

#[test]
fn unknown_identity_is_rejected() {
    let key = Psk::from_bytes([5; 32]);
    let (addr, server) = serve_once(keystore("xen-a", &key));
    let client = connect(addr, "rmn", "xen-b", &key, &SessionOptions::default());
    assert!(matches!(client, Err(ProtoError::Rejected(_))));
    assert!(matches!(
        server.join().expect("join"),
        Err(ProtoError::UnknownIdentity(id)) if id == "xen-b"
    ));
}

#[test]
fn garbage_instead_of_a_hello_is_rejected() {
    let (addr, server) = serve_once(keystore("xen-a", &Psk::from_bytes([5; 32])));
    let mut raw = TcpStream::connect(addr).expect("connect");
    raw.write_all(&[0, 0, 0, 16]).expect("write");
    raw.write_all(b"GET / HTTP/1.1\r\n").expect("write");
    assert!(matches!(
        server.join().expect("join"),
        Err(ProtoError::BadMagic)
    ));
}

#[test]
fn oversized_hello_is_rejected() {
    let (addr, server) = serve_once(keystore("xen-a", &Psk::from_bytes([5; 32])));
    let mut raw = TcpStream::connect(addr).expect("connect");
    raw.write_all(&u32::MAX.to_be_bytes()).expect("write");
    assert!(matches!(
        server.join().expect("join"),
        Err(ProtoError::FrameTooLarge { .. })
    ));
}

#[test]
fn other_protocol_version_is_refused_with_a_reason() {
    let (addr, server) = serve_once(keystore("xen-a", &Psk::from_bytes([5; 32])));
    let mut raw = TcpStream::connect(addr).expect("connect");
    let mut hello = b"REUNION\0".to_vec();
    hello.extend_from_slice(&99u16.to_be_bytes());
    hello.extend_from_slice(&[0; 32]);
    hello.push(5);
    hello.extend_from_slice(b"xen-a");
    raw.write_all(&(hello.len() as u32).to_be_bytes())
        .expect("write");
    raw.write_all(&hello).expect("write");
    assert!(matches!(
        server.join().expect("join"),
        Err(ProtoError::VersionMismatch { peer: 99, ours: 1 })
    ));
    let mut reply = Vec::new();
    raw.read_to_end(&mut reply).expect("read");
    // Prefix, magic, version, status 1 (bad version).
    assert_eq!(reply.len(), 4 + 8 + 2 + 1);
    assert_eq!(reply[14], 1);
}

/// Forwards one connection to `server`, recording what the client sent.
fn recording_proxy(
    server: std::net::SocketAddr,
) -> (std::net::SocketAddr, thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = thread::spawn(move || {
        let (mut client, _) = listener.accept().expect("accept");
        let mut upstream = TcpStream::connect(server).expect("connect");
        let mut down_client = client.try_clone().expect("clone");
        let mut down_upstream = upstream.try_clone().expect("clone");
        thread::spawn(move || std::io::copy(&mut down_upstream, &mut down_client));
        let mut recorded = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match client.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    recorded.extend_from_slice(&buf[..n]);
                    if upstream.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        recorded
    });
    (addr, handle)
}

#[test]
fn session_recorded_on_the_wire_cannot_be_replayed() {
    let key = Psk::from_bytes([5; 32]);
    let (server_addr, server) = serve_once(keystore("xen-a", &key));
    let (proxy_addr, proxy) = recording_proxy(server_addr);
    let mut client =
        connect(proxy_addr, "rmn", "xen-a", &key, &SessionOptions::default()).expect("client");
    let mut session = server.join().expect("join").expect("server");
    client.writer.send_bytes(b"migrate vm1").expect("send");
    assert_eq!(session.reader.recv_bytes().expect("recv"), b"migrate vm1");
    client.shutdown();
    let recorded = proxy.join().expect("proxy");
    assert!(
        recorded.len() > 100,
        "the proxy saw the handshake and the frame"
    );

    // An attacker replays the whole recorded client stream to a new server
    // session: the server's fresh nonce makes the recorded ClientFinish fail.
    let (addr2, server2) = serve_once(keystore("xen-a", &key));
    let mut attacker = TcpStream::connect(addr2).expect("connect");
    attacker.write_all(&recorded).expect("write");
    assert!(matches!(
        server2.join().expect("join"),
        Err(ProtoError::BadMac)
    ));
}

#[test]
fn a_client_trickling_bytes_is_cut_off_at_the_handshake_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        let options = SessionOptions {
            handshake_timeout: std::time::Duration::from_millis(600),
            ..SessionOptions::default()
        };
        accept(
            stream,
            &keystore("xen-a", &Psk::from_bytes([5; 32])),
            &options,
        )
    });
    let mut raw = TcpStream::connect(addr).expect("connect");
    // Each byte comes well within the deadline of a single read, but the whole
    // hello would take far longer than the handshake is allowed to.
    let mut hello = 60u32.to_be_bytes().to_vec();
    hello.extend_from_slice(b"REUNION\0");
    hello.extend(std::iter::repeat_n(0u8, 52));
    for byte in hello {
        if raw.write_all(&[byte]).is_err() {
            break;
        }
        thread::sleep(std::time::Duration::from_millis(100));
        if server.is_finished() {
            break;
        }
    }
    assert!(matches!(
        server.join().expect("join"),
        Err(ProtoError::Io(e)) if e.kind() == std::io::ErrorKind::TimedOut
    ));
}
