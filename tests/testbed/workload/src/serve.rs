//! Command server: the testbed drives guest workloads through it.
//!
//! It exists only inside throw-away test guests on the testbed's private LAN; it runs
//! whatever line it is sent, so it must never run anywhere else.

use crate::args::Args;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, Stdio};

pub fn run(argv: &[String]) -> Result<(), String> {
    let a = Args::parse(argv, &[])?;
    let port: u16 = a.get("port", 7000)?;
    let l = TcpListener::bind(("0.0.0.0", port)).map_err(|e| format!("bind port {port}: {e}"))?;
    for conn in l.incoming().flatten() {
        std::thread::spawn(move || {
            let mut line = String::new();
            let mut reader = BufReader::new(&conn);
            if reader.read_line(&mut line).is_err() {
                return;
            }
            let out = Command::new("/bin/sh")
                .arg("-c")
                .arg(line.trim_end())
                .stdin(Stdio::null())
                .output();
            let mut w = &conn;
            match out {
                Ok(o) => {
                    let _ = w.write_all(&o.stdout);
                    let _ = w.write_all(&o.stderr);
                    let _ = writeln!(w, "exit={}", o.status.code().unwrap_or(-1));
                }
                Err(e) => {
                    let _ = writeln!(w, "spawn failed: {e}\nexit=-1");
                }
            }
        });
    }
    Ok(())
}
