//! Client of `workload serve`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

pub fn run(argv: &[String]) -> Result<(), String> {
    let (target, cmd) = argv
        .split_first()
        .ok_or("usage: workload ctl HOST:PORT COMMAND...")?;
    if cmd.is_empty() {
        return Err("no command given".into());
    }
    let addr = crate::resolve::resolve(target)?;
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(120)))
        .map_err(|e| e.to_string())?;
    writeln!(s, "{}", cmd.join(" ")).map_err(|e| format!("send: {e}"))?;
    let mut out = String::new();
    s.read_to_string(&mut out)
        .map_err(|e| format!("read reply: {e}"))?;
    print!("{out}");
    match out.lines().last().and_then(|l| l.strip_prefix("exit=")) {
        Some("0") => Ok(()),
        Some(code) => Err(format!("remote command exited with {code}")),
        None => Err("reply ended without an exit status".into()),
    }
}
