//! Rate-limited TCP or UDP sender to a named peer.

use crate::args::Args;
use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

/// Sends one message.
type SendFn = dyn FnMut(&[u8]) -> std::io::Result<()>;

pub fn run(argv: &[String]) -> Result<(), String> {
    let a = Args::parse(argv, &["tcp", "udp"])?;
    let tcp = a.has("tcp");
    if tcp == a.has("udp") {
        return Err("give exactly one of --tcp and --udp".into());
    }
    let to = a.need("to")?;
    let rate: u64 = a.get("rate", 0)?;
    let size: usize = a.get("size", 1000)?;
    let count: u64 = a.get("count", 0)?;
    let seconds: u64 = a.get("seconds", 0)?;
    if size == 0 || (!tcp && size > 65507) {
        return Err(format!(
            "--size {size}: must be 1..=65507 for UDP, >= 1 for TCP"
        ));
    }
    let addr = crate::resolve::resolve(&to)?;
    let payload = vec![0x5au8; size];
    let mut send: Box<SendFn> = if tcp {
        let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .map_err(|e| format!("connect {addr}: {e}"))?;
        Box::new(move |b| s.write_all(b))
    } else {
        let s = UdpSocket::bind("0.0.0.0:0").map_err(|e| format!("bind: {e}"))?;
        s.connect(addr)
            .map_err(|e| format!("connect {addr}: {e}"))?;
        Box::new(move |b| s.send(b).map(|_| ()))
    };
    let start = Instant::now();
    let (mut messages, mut bytes) = (0u64, 0u64);
    loop {
        if count > 0 && messages >= count {
            break;
        }
        if seconds > 0 && start.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
        send(&payload).map_err(|e| format!("send to {addr} after {messages} messages: {e}"))?;
        messages += 1;
        bytes += size as u64;
        if rate > 0 {
            // Pace to the rate: message k is due at k*size/rate seconds after start.
            let due = Duration::from_secs_f64(bytes as f64 / rate as f64);
            if let Some(wait) = due.checked_sub(start.elapsed()) {
                std::thread::sleep(wait);
            }
        }
    }
    println!("sent messages={messages} bytes={bytes} to={addr}");
    Ok(())
}
