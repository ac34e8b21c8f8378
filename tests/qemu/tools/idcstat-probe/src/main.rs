//! `idcstat-probe`: the QEMU tests' raw generic netlink client of idcstat.ko.
//!
//! Prints every reply as one line of `name=value` tokens named as in
//! `uapi/idcstat.yaml`, so shell tests can assert exact counters. Exits 3 on a
//! kernel error, printing `error errno=N (NAME) msg=...`.

mod netlink;

use std::net::IpAddr;
use std::process::ExitCode;

use idcstat_uapi::attr_def::{AttrDef, AttrKind};
use idcstat_uapi::attrs::{
    address_attr, config_attr, counters_attr, domain_attr, peer_attr, swap_range_attr, vif_attr,
};
use idcstat_uapi::family::{cmd, FAMILY_NAME, FAMILY_VERSION};
use netlink::{
    AttrBuf, GenlSocket, KernelError, NLM_F_ACK, NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST,
};

const USAGE: &str = "usage: idcstat-probe COMMAND
  [--as-nobody] COMMAND    (--as-nobody: run as uid/gid 65534, no capabilities)
  config [--clear MASK] [--prefix ADDR/LEN]... [--host ADDR]... [--uplink IFINDEX]...
         [--vif IFINDEX:DOMID:DEVID:GEN[:MAC]]... [--swap DOMID:GEN:DEV:START:NR]...
  config-get | domains | domain DOMID | peers [DOMID] | ack DOMID GEN | reset
  fuzz ITERATIONS SEED     send random attributes to every command
  fuzz-for SECONDS SEED    the same, for SECONDS of wall time; prints how many were sent
  peers-restart DOMID PAUSE_MS MAX   dump DOMID's peers reading 8 KiB pages slowly (PAUSE_MS
                           after each), restarting while a page is marked NLM_F_DUMP_INTR;
                           prints the restarts, then the first uninterrupted dump (exit 4
                           when MAX attempts were all interrupted)
  udp SRC DST PORT SIZE COUNT   send COUNT UDP datagrams of SIZE payload bytes
  bench SRC DST PORT SIZE COUNT like udp, then print packets per second
  neigh DEV IP MAC         add a permanent neighbour (no ARP/ND in the tests)
  udp-sink PORT            receive UDP (v4 and v6) on PORT forever (no ICMP unreachables)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("idcstat-probe: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn errno_name(errno: i32) -> &'static str {
    match errno {
        libc::EPERM => "EPERM",
        libc::ENOENT => "ENOENT",
        libc::EINVAL => "EINVAL",
        libc::ENOSPC => "ENOSPC",
        libc::EOPNOTSUPP => "EOPNOTSUPP",
        libc::ERANGE => "ERANGE",
        libc::EMSGSIZE => "EMSGSIZE",
        _ => "other",
    }
}

fn kernel_error(err: &KernelError) -> ExitCode {
    println!(
        "error errno={} ({}) msg={}",
        err.errno,
        errno_name(err.errno),
        err.message.as_deref().unwrap_or("")
    );
    ExitCode::from(3)
}

fn run(mut args: &[String]) -> Result<ExitCode, String> {
    if args.first().map(String::as_str) == Some("--as-nobody") {
        drop_privileges()?;
        args = &args[1..];
    }
    match args.first().map(String::as_str) {
        Some("udp") => return udp(&args[1..]),
        Some("bench") => {
            let start = std::time::Instant::now();
            let code = udp(&args[1..])?;
            let count: f64 = num(args.get(5))?;
            let secs = start.elapsed().as_secs_f64();
            println!("pps={:.0} secs={secs:.3}", count / secs);
            return Ok(code);
        }
        Some("neigh") => return neigh(&args[1..]),
        Some("udp-sink") => return udp_sink(&args[1..]),
        _ => {}
    }
    let mut sock = GenlSocket::open().map_err(|e| format!("socket: {e}"))?;
    let family = sock
        .family_id(FAMILY_NAME)
        .map_err(|e| format!("resolve family: {e}"))?
        .ok_or("family idcstat not registered (module not loaded?)")?;
    let command = args.first().map(String::as_str).ok_or("no command")?;
    let (c, flags, attrs) = match command {
        "config" => (
            cmd::CONFIG_SET,
            NLM_F_REQUEST | NLM_F_ACK,
            config_attrs(&args[1..])?,
        ),
        "config-get" => (
            cmd::CONFIG_GET,
            NLM_F_REQUEST | NLM_F_ACK,
            AttrBuf::default(),
        ),
        "domains" => (
            cmd::DOMAIN_GET,
            NLM_F_REQUEST | NLM_F_DUMP,
            AttrBuf::default(),
        ),
        "domain" => {
            let mut a = AttrBuf::default();
            a.u32(domain_attr::DOMID, num(args.get(1))?);
            (cmd::DOMAIN_GET, NLM_F_REQUEST | NLM_F_ACK, a)
        }
        "peers" => {
            let mut a = AttrBuf::default();
            if args.get(1).is_some() {
                a.u32(peer_attr::DOMID, num(args.get(1))?);
            }
            (cmd::PEER_GET, NLM_F_REQUEST | NLM_F_DUMP, a)
        }
        "ack" => {
            let mut a = AttrBuf::default();
            a.u32(domain_attr::DOMID, num(args.get(1))?);
            a.u32(domain_attr::GENERATION, num(args.get(2))?);
            (cmd::DEPARTED_ACK, NLM_F_REQUEST | NLM_F_ACK, a)
        }
        "reset" => (cmd::RESET, NLM_F_REQUEST | NLM_F_ACK, AttrBuf::default()),
        "fuzz" => {
            let budget = FuzzBudget::Requests(num(args.get(1))?);
            return fuzz(&mut sock, family, budget, num(args.get(2))?);
        }
        "peers-restart" => {
            let domid: u32 = num(args.get(1))?;
            let pause = std::time::Duration::from_millis(num(args.get(2))?);
            return peers_restart(family, domid, pause, num(args.get(3))?);
        }
        "fuzz-for" => {
            let seconds = std::time::Duration::from_secs(num(args.get(1))?);
            return fuzz(
                &mut sock,
                family,
                FuzzBudget::Time(seconds),
                num(args.get(2))?,
            );
        }
        other => return Err(format!("unknown command {other}")),
    };
    sock.send(family, flags, c, FAMILY_VERSION, &attrs.bytes)
        .map_err(|e| format!("send: {e}"))?;
    let replies = match sock.receive().map_err(|e| format!("receive: {e}"))? {
        Ok(replies) => replies,
        Err(err) => return Ok(kernel_error(&err)),
    };
    for reply in &replies {
        let set = match reply.cmd {
            cmd::PEER_GET => peer_attr::ALL,
            cmd::CONFIG_GET => config_attr::ALL,
            _ => domain_attr::ALL,
        };
        let mut line = String::from(match reply.cmd {
            cmd::PEER_GET => "peer",
            cmd::CONFIG_GET => "config",
            _ => "domain",
        });
        print_attrs(&mut line, set, &reply.attrs);
        if reply.flags & NLM_F_DUMP_INTR != 0 {
            line.push_str(" dump-intr");
        }
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}

fn num<T: std::str::FromStr>(arg: Option<&String>) -> Result<T, String> {
    let arg = arg.ok_or("missing number")?;
    arg.parse().map_err(|_| format!("bad number {arg}"))
}

fn address(text: &str) -> Result<AttrBuf, String> {
    let (addr, len) = match text.split_once('/') {
        Some((a, l)) => (
            a,
            Some(l.parse::<u8>().map_err(|_| format!("bad prefix {text}"))?),
        ),
        None => (text, None),
    };
    let mut a = AttrBuf::default();
    match addr
        .parse::<IpAddr>()
        .map_err(|_| format!("bad address {text}"))?
    {
        IpAddr::V4(v4) => a.put(address_attr::IPV4, &v4.octets()),
        IpAddr::V6(v6) => a.put(address_attr::IPV6, &v6.octets()),
    };
    if let Some(len) = len {
        a.put(address_attr::PREFIX_LEN, &[len]);
    }
    Ok(a)
}

fn mac(text: &str) -> Result<[u8; 6], String> {
    let bytes: Vec<u8> = text
        .split(':')
        .map(|b| u8::from_str_radix(b, 16).map_err(|_| format!("bad mac {text}")))
        .collect::<Result<_, _>>()?;
    bytes.try_into().map_err(|_| format!("bad mac {text}"))
}

fn config_attrs(args: &[String]) -> Result<AttrBuf, String> {
    let mut out = AttrBuf::default();
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--clear" => {
                out.u32(config_attr::CLEAR, num(Some(value))?);
            }
            "--prefix" => {
                out.nest(config_attr::CLUSTER_PREFIX, &address(value)?);
            }
            "--host" => {
                out.nest(config_attr::HOST_ADDR, &address(value)?);
            }
            "--uplink" => {
                out.u32(config_attr::UPLINK_IFINDEX, num(Some(value))?);
            }
            "--vif" => {
                let f: Vec<&str> = value.split(':').collect();
                let mut v = AttrBuf::default();
                v.u32(
                    vif_attr::IFINDEX,
                    num(f.first().map(|s| s.to_string()).as_ref())?,
                );
                v.u32(
                    vif_attr::DOMID,
                    num(f.get(1).map(|s| s.to_string()).as_ref())?,
                );
                v.u32(
                    vif_attr::DEVID,
                    num(f.get(2).map(|s| s.to_string()).as_ref())?,
                );
                v.u32(
                    vif_attr::GENERATION,
                    num(f.get(3).map(|s| s.to_string()).as_ref())?,
                );
                if f.len() > 4 {
                    v.put(vif_attr::MAC, &mac(&f[4..].join(":"))?);
                }
                out.nest(config_attr::VIF, &v);
            }
            "--swap" => {
                let f: Vec<String> = value.split(':').map(str::to_string).collect();
                let mut s = AttrBuf::default();
                s.u32(swap_range_attr::DOMID, num(f.first())?);
                s.u32(swap_range_attr::GENERATION, num(f.get(1))?);
                s.u32(swap_range_attr::DEV, num(f.get(2))?);
                s.u64(swap_range_attr::START_SECTOR, num(f.get(3))?);
                s.u64(swap_range_attr::NR_SECTORS, num(f.get(4))?);
                out.nest(config_attr::SWAP_RANGE, &s);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(out)
}

fn print_attrs(line: &mut String, set: &[AttrDef], bytes: &[u8]) {
    for (kind, payload) in netlink::attrs(bytes) {
        let Some(def) = set.iter().find(|d| d.id == kind) else {
            line.push_str(&format!(" attr{kind}=?"));
            continue;
        };
        if def.kind == AttrKind::Nest {
            let nested = match def.name {
                "counters" => counters_attr::ALL,
                "vif" => vif_attr::ALL,
                "swap-range" => swap_range_attr::ALL,
                _ => address_attr::ALL,
            };
            if def.name == "counters" {
                print_attrs(line, nested, payload);
            } else {
                line.push_str(&format!(" {}=[", def.name));
                let mut inner = String::new();
                print_attrs(&mut inner, nested, payload);
                line.push_str(inner.trim_start());
                line.push(']');
            }
            continue;
        }
        line.push(' ');
        line.push_str(def.name);
        line.push('=');
        line.push_str(&format_value(def.kind, payload));
    }
}

fn format_value(kind: AttrKind, p: &[u8]) -> String {
    match (kind, p.len()) {
        (AttrKind::Flag, _) => "1".into(),
        (AttrKind::U8, 1) => p[0].to_string(),
        (AttrKind::U32Be, 4) => format!("{}.{}.{}.{}", p[0], p[1], p[2], p[3]),
        (AttrKind::U32 | AttrKind::Uint, 4) => {
            u32::from_ne_bytes([p[0], p[1], p[2], p[3]]).to_string()
        }
        (AttrKind::Uint, 8) => u64::from_ne_bytes(p.try_into().unwrap_or([0; 8])).to_string(),
        (AttrKind::Binary(6), 6) => p
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        (AttrKind::Binary(16), 16) => {
            let octets: [u8; 16] = p.try_into().unwrap_or([0; 16]);
            std::net::Ipv6Addr::from(octets).to_string()
        }
        _ => p.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// A xorshift generator: deterministic per seed, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn random_attrs(rng: &mut Rng, depth: u32) -> AttrBuf {
    let mut out = AttrBuf::default();
    for _ in 0..rng.below(6) {
        let kind = rng.below(16) as u16;
        match rng.below(5) {
            0 if depth < 2 => {
                let inner = random_attrs(rng, depth + 1);
                out.nest(kind, &inner);
            }
            1 => {
                out.u32(kind, rng.next() as u32);
            }
            2 => {
                out.u64(kind, rng.next());
            }
            _ => {
                let len = rng.below(20) as usize;
                let payload: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
                out.put(kind, &payload);
            }
        }
    }
    out
}

/// Dumps `domid`'s peers as a slow reader until one dump is not interrupted; see USAGE.
fn peers_restart(
    family: u16,
    domid: u32,
    pause: std::time::Duration,
    max_attempts: u32,
) -> Result<ExitCode, String> {
    // A fresh socket: the kernel sizes dump pages after the largest read a socket
    // has made, and the family lookup read with a 64 KiB buffer.
    let mut sock = GenlSocket::open().map_err(|e| format!("socket: {e}"))?;
    sock.pace(8192, pause);
    let started = std::time::Instant::now();
    let mut interrupted = 0u32;
    for attempt in 1..=max_attempts {
        let mut a = AttrBuf::default();
        a.u32(peer_attr::DOMID, domid);
        sock.send(
            family,
            NLM_F_REQUEST | NLM_F_DUMP,
            cmd::PEER_GET,
            FAMILY_VERSION,
            &a.bytes,
        )
        .map_err(|e| format!("send: {e}"))?;
        let replies = match sock.receive().map_err(|e| format!("receive: {e}"))? {
            Ok(replies) => replies,
            Err(err) => return Ok(kernel_error(&err)),
        };
        eprintln!(
            "attempt {attempt}: {} replies in {} pages, NLM_F_DUMP_INTR {}, at {:.1} s",
            replies.len(),
            sock.pages,
            if sock.dump_interrupted {
                "set"
            } else {
                "not set"
            },
            started.elapsed().as_secs_f64()
        );
        if sock.dump_interrupted {
            interrupted += 1;
            continue;
        }
        println!(
            "restarts interrupted={interrupted} attempts={attempt} pages={} peers={}",
            sock.pages,
            replies.len()
        );
        let mut lines: Vec<String> = replies
            .iter()
            .map(|r| {
                let mut line = String::from("peer");
                print_attrs(&mut line, peer_attr::ALL, &r.attrs);
                line
            })
            .collect();
        lines.sort();
        for line in lines {
            println!("{line}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    println!("restarts interrupted={interrupted} attempts={max_attempts} pages=0 peers=0");
    Ok(ExitCode::from(4))
}

/// How long the fuzzer runs: a number of requests, or a span of wall time.
enum FuzzBudget {
    Requests(u64),
    Time(std::time::Duration),
}

fn fuzz(
    sock: &mut GenlSocket,
    family: u16,
    budget: FuzzBudget,
    seed: u64,
) -> Result<ExitCode, String> {
    let mut rng = Rng(seed | 1);
    let (mut ok, mut refused) = (0u64, 0u64);
    let start = std::time::Instant::now();
    let mut iterations = 0u64;
    loop {
        let done = match budget {
            FuzzBudget::Requests(n) => iterations >= n,
            FuzzBudget::Time(span) => start.elapsed() >= span,
        };
        if done {
            break;
        }
        iterations += 1;
        // Commands 0..=9: the real ones, notifications and unknown numbers.
        let command = rng.below(10) as u8;
        let dump = rng.below(3) == 0;
        let attrs = random_attrs(&mut rng, 0);
        let flags = NLM_F_REQUEST | if dump { NLM_F_DUMP } else { NLM_F_ACK };
        sock.send(family, flags, command, FAMILY_VERSION, &attrs.bytes)
            .map_err(|e| format!("send: {e}"))?;
        match sock.receive().map_err(|e| format!("receive: {e}"))? {
            Ok(_) => ok += 1,
            Err(_) => refused += 1,
        }
    }
    println!(
        "fuzz iterations={iterations} accepted={ok} refused={refused} seconds={:.1}",
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Sends exactly COUNT datagrams of SIZE bytes from SRC to DST:PORT.
fn udp(args: &[String]) -> Result<ExitCode, String> {
    let src: IpAddr = num(args.first())?;
    let dst: IpAddr = num(args.get(1))?;
    let port: u16 = num(args.get(2))?;
    let size: usize = num(args.get(3))?;
    let count: u32 = num(args.get(4))?;
    let sock = std::net::UdpSocket::bind((src, 0)).map_err(|e| format!("bind {src}: {e}"))?;
    sock.set_broadcast(true)
        .map_err(|e| format!("broadcast: {e}"))?;
    let payload = vec![0x5au8; size];
    for _ in 0..count {
        let sent = sock
            .send_to(&payload, (dst, port))
            .map_err(|e| format!("send to {dst}: {e}"))?;
        if sent != size {
            return Err(format!("short send {sent}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// RTM_NEWNEIGH of a permanent entry, so tests send no ARP or neighbour discovery.
fn neigh(args: &[String]) -> Result<ExitCode, String> {
    let dev = args.first().ok_or("missing device")?;
    let ip: IpAddr = num(args.get(1))?;
    let lladdr = mac(args.get(2).ok_or("missing mac")?)?;
    let cname = std::ffi::CString::new(dev.as_str()).map_err(|_| "bad device name")?;
    // SAFETY: `cname` is a valid C string.
    let ifindex = unsafe { libc::if_nametoindex(cname.as_ptr()) };
    if ifindex == 0 {
        return Err(format!("no device {dev}"));
    }
    let (family, dst) = match ip {
        IpAddr::V4(v4) => (libc::AF_INET as u8, v4.octets().to_vec()),
        IpAddr::V6(v6) => (libc::AF_INET6 as u8, v6.octets().to_vec()),
    };
    let mut ndmsg = vec![family, 0, 0, 0];
    ndmsg.extend_from_slice(&(ifindex as i32).to_ne_bytes());
    ndmsg.extend_from_slice(&0x80u16.to_ne_bytes()); // NUD_PERMANENT
    ndmsg.extend_from_slice(&[0, 0]);
    let mut attrs = AttrBuf::default();
    attrs.put(1, &dst); // NDA_DST
    attrs.put(2, &lladdr); // NDA_LLADDR
    let mut sock =
        GenlSocket::open_protocol(libc::NETLINK_ROUTE).map_err(|e| format!("socket: {e}"))?;
    // RTM_NEWNEIGH, REQUEST | ACK | REPLACE | CREATE.
    sock.send_raw(
        28,
        NLM_F_REQUEST | NLM_F_ACK | 0x100 | 0x400,
        &ndmsg,
        &attrs.bytes,
    )
    .map_err(|e| format!("send: {e}"))?;
    match sock.receive().map_err(|e| format!("receive: {e}"))? {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(err) => Ok(kernel_error(&err)),
    }
}

/// Receives and discards datagrams on [::]:PORT (IPv4 too), so that test traffic
/// causes no ICMP port-unreachable replies.
fn udp_sink(args: &[String]) -> Result<ExitCode, String> {
    let port: u16 = num(args.first())?;
    let sock = std::net::UdpSocket::bind((std::net::Ipv6Addr::UNSPECIFIED, port))
        .map_err(|e| format!("bind: {e}"))?;
    let mut buf = [0u8; 65536];
    loop {
        sock.recv_from(&mut buf).map_err(|e| format!("recv: {e}"))?;
    }
}

/// Becomes uid/gid 65534 with no supplementary groups, which drops every capability.
fn drop_privileges() -> Result<(), String> {
    // SAFETY: plain syscalls on integers; a null list with size 0 is allowed.
    let failed = unsafe {
        libc::setgroups(0, std::ptr::null()) != 0
            || libc::setgid(65534) != 0
            || libc::setuid(65534) != 0
    };
    if failed {
        return Err(format!(
            "cannot drop privileges: {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}
