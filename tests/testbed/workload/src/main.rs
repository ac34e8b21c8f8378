//! `workload`: the programs that run inside testbed guests (and in dom0 as a client).
//!
//! One static binary, no dependencies, so the guest initramfs stays a busybox plus this.
//! Every subcommand prints what it did on exit so the tests can compare it with the
//! counters that dom0 sees (idcstat, vif netdev counters, blkback statistics).

mod args;
mod burn;
mod ctl;
mod resolve;
mod serve;
mod sink;
mod stream;
mod touch;

use std::process::ExitCode;

const USAGE: &str = "\
workload: guest workloads for the reunion Xen testbed

USAGE:
  workload burn  --duty PCT [--period-ms 100] [--seconds N]
        Burn one CPU for PCT% of every period (0..=100); forever unless --seconds.
  workload touch --mib N [--passes N] [--stride 4096]
        Allocate N MiB and write one byte per page, pass after pass (forever unless
        --passes). Sized above the guest's memory it drives the guest's swap vbd.
  workload stream --tcp|--udp --to HOST:PORT [--rate BYTES_PER_S] [--size BYTES]
                  [--count N] [--seconds N]
        Send --size byte writes (TCP) or datagrams (UDP payload) to HOST:PORT at
        --rate (0 = as fast as possible) until --count messages or --seconds pass.
        HOST may be a name from /etc/hosts. Prints `sent messages=M bytes=B`.
  workload sink --tcp|--udp --port PORT [--seconds N]
        Receive and count. Prints `received messages=M bytes=B` on exit or every
        --report seconds.
  workload serve --port PORT
        Command server for the testbed: each connection sends one line, which runs
        under /bin/sh -c; its output comes back, then the connection closes.
  workload ctl HOST:PORT COMMAND...
        Client of `serve`: send COMMAND, print the output.
";

fn main() -> ExitCode {
    let mut argv: Vec<String> = std::env::args().skip(1).collect();
    if argv.is_empty() || argv[0] == "-h" || argv[0] == "--help" {
        print!("{USAGE}");
        return if argv.is_empty() {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        };
    }
    let sub = argv.remove(0);
    let result = match sub.as_str() {
        "burn" => burn::run(&argv),
        "touch" => touch::run(&argv),
        "stream" => stream::run(&argv),
        "sink" => sink::run(&argv),
        "serve" => serve::run(&argv),
        "ctl" => ctl::run(&argv),
        other => Err(format!(
            "unknown subcommand `{other}`; see `workload --help`"
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("workload {sub}: {e}");
            ExitCode::FAILURE
        }
    }
}
