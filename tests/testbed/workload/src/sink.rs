//! TCP or UDP receiver that counts what arrives.

use crate::args::Args;
use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn run(argv: &[String]) -> Result<(), String> {
    let a = Args::parse(argv, &["tcp", "udp"])?;
    let tcp = a.has("tcp");
    if tcp == a.has("udp") {
        return Err("give exactly one of --tcp and --udp".into());
    }
    let port: u16 = a.get("port", 5001)?;
    let seconds: u64 = a.get("seconds", 0)?;
    let report: u64 = a.get("report", 0)?;
    let messages = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let bind = format!("0.0.0.0:{port}");
    if tcp {
        let l = TcpListener::bind(&bind).map_err(|e| format!("bind {bind}: {e}"))?;
        let (m, b) = (messages.clone(), bytes.clone());
        std::thread::spawn(move || {
            for conn in l.incoming().flatten() {
                let (m, b) = (m.clone(), b.clone());
                std::thread::spawn(move || {
                    let mut conn = conn;
                    let mut buf = vec![0u8; 65536];
                    while let Ok(n) = conn.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        m.fetch_add(1, Ordering::Relaxed);
                        b.fetch_add(n as u64, Ordering::Relaxed);
                    }
                });
            }
        });
    } else {
        let s = UdpSocket::bind(&bind).map_err(|e| format!("bind {bind}: {e}"))?;
        let (m, b) = (messages.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while let Ok(n) = s.recv(&mut buf) {
                m.fetch_add(1, Ordering::Relaxed);
                b.fetch_add(n as u64, Ordering::Relaxed);
            }
        });
    }
    let start = Instant::now();
    let mut last_report = start;
    loop {
        std::thread::sleep(Duration::from_millis(200));
        if report > 0 && last_report.elapsed() >= Duration::from_secs(report) {
            last_report = Instant::now();
            print_totals(&messages, &bytes);
        }
        if seconds > 0 && start.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
    }
    print_totals(&messages, &bytes);
    Ok(())
}

fn print_totals(messages: &AtomicU64, bytes: &AtomicU64) {
    println!(
        "received messages={} bytes={}",
        messages.load(Ordering::Relaxed),
        bytes.load(Ordering::Relaxed)
    );
}
