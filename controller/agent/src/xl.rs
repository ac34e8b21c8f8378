//! Xen's `xl` command, run with argument vectors: the agent's actions
//! (`xl mem-set`, `xl migrate`) and the fallback measurement (`xl info`,
//! `xl list -v`) when libxenstat is missing or fails ([`crate::xen::Xen`]).
//!
//! CPU time: `xl list -v` prints libxl's `cpu_time` (nanoseconds) as seconds
//! with one decimal (`%8.1f` of a `float`), 0.1 s resolution, i.e. up to
//! ±0.05 s of rounding per reading, ±1% of one vCPU over a 10 s interval.
//! libxenstat's nanoseconds replace it whenever libxenstat works. See
//! `docs/operations.md` ("CPU time source").

use std::time::Duration;

use reunion_model::{DomId, DomainState, DomainUuid};

use crate::command::run;
use crate::hypervisor::{DomainFlags, HostInfo, Hypervisor, MigrationTarget, XenDomain};
use crate::AgentError;

/// Environment variables that carry a migration's parameters from the agent,
/// through `xl migrate` and its shell, to `reunion migrate-transport`.
pub mod transport_env {
    /// `host:port` of the destination's migration channel.
    pub const ADDRESS: &str = "REUNION_MIGRATION_ADDR";
    /// The destination host name the transport must be invoked with.
    pub const HOST: &str = "REUNION_MIGRATION_HOST";
    /// The action id.
    pub const ID: &str = "REUNION_MIGRATION_ID";
    /// The one-shot key, hexadecimal.
    pub const TICKET: &str = "REUNION_MIGRATION_TICKET";
}

/// `xl`-based hypervisor access.
#[derive(Debug, Clone)]
pub struct Xl {
    /// Path of `xl`.
    pub xl: String,
    /// Path of `xenstore-read`.
    pub xenstore_read: String,
    /// The fixed transport command given to `xl migrate -s`.
    pub transport_command: String,
    /// Timeout of quick commands (`list`, `info`, `mem-set`).
    pub command_timeout: Duration,
    /// Timeout of one migration.
    pub migrate_timeout: Duration,
}

impl Xl {
    fn xl(&self, args: &[&str]) -> Result<String, AgentError> {
        let mut argv = vec![self.xl.clone()];
        argv.extend(args.iter().map(|s| s.to_string()));
        Ok(run(&argv, &[], self.command_timeout)?.stdout)
    }
}

impl Hypervisor for Xl {
    fn host_info(&self) -> Result<HostInfo, AgentError> {
        parse_xl_info(&self.xl(&["info"])?)
    }

    fn domains(&self) -> Result<Vec<XenDomain>, AgentError> {
        parse_xl_list_verbose(&self.xl(&["list", "-v"])?)
    }

    fn max_mem_bytes(&self, domid: DomId) -> Result<u64, AgentError> {
        let path = format!("/local/domain/{}/memory/static-max", domid.0);
        let argv = vec![self.xenstore_read.clone(), path.clone()];
        let text = run(&argv, &[], self.command_timeout)?.stdout;
        let kib: u64 = text.trim().parse().map_err(|_| AgentError::Parse {
            command: format!("xenstore-read {path}"),
            reason: format!("{:?} is not a number of KiB", text.trim()),
        })?;
        Ok(kib.saturating_mul(1024))
    }

    fn mem_set(&self, domid: DomId, target_bytes: u64) -> Result<(), AgentError> {
        // xl mem-set takes a size with a unit suffix; k = KiB.
        let target = format!("{}k", target_bytes / 1024);
        self.xl(&["mem-set", &domid.0.to_string(), &target])
            .map(|_| ())
    }

    fn migrate(&self, domid: DomId, target: &MigrationTarget) -> Result<(), AgentError> {
        reunion_proto::keys::validate_identity(&target.host)
            .map_err(|e| AgentError::Refused(format!("destination host name: {e}")))?;
        let argv = vec![
            self.xl.clone(),
            "migrate".to_string(),
            "-s".to_string(),
            self.transport_command.clone(),
            domid.0.to_string(),
            target.host.clone(),
        ];
        let ticket: String = target.ticket.iter().map(|b| format!("{b:02x}")).collect();
        let env = vec![
            (transport_env::ADDRESS.to_string(), target.address.clone()),
            (transport_env::HOST.to_string(), target.host.clone()),
            (transport_env::ID.to_string(), target.id.to_string()),
            (transport_env::TICKET.to_string(), ticket),
        ];
        run(&argv, &env, self.migrate_timeout).map(|_| ())
    }

    fn migrate_receive_argv(&self) -> Vec<String> {
        vec![self.xl.clone(), "migrate-receive".to_string()]
    }
}

fn parse_error(command: &str, reason: impl Into<String>) -> AgentError {
    AgentError::Parse {
        command: command.to_string(),
        reason: reason.into(),
    }
}

/// Parses `xl info`: `nr_cpus`, `total_memory` and `free_memory` (MiB).
pub fn parse_xl_info(text: &str) -> Result<HostInfo, AgentError> {
    let field = |name: &str| -> Result<u64, AgentError> {
        text.lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(key, _)| key.trim() == name)
            .ok_or_else(|| parse_error("xl info", format!("no `{name}` line")))
            .and_then(|(_, value)| {
                value
                    .trim()
                    .parse()
                    .map_err(|_| parse_error("xl info", format!("`{name}` is {value:?}")))
            })
    };
    let mib = 1024 * 1024;
    Ok(HostInfo {
        physical_cpus: u32::try_from(field("nr_cpus")?)
            .map_err(|_| parse_error("xl info", "nr_cpus out of range"))?,
        mem_total_bytes: field("total_memory")?.saturating_mul(mib),
        mem_free_bytes: field("free_memory")?.saturating_mul(mib),
    })
}

fn is_uuid(token: &str) -> bool {
    token.len() == 36 && DomainUuid::parse(token).is_ok()
}

/// Maps xl's six state letters (`rbpscd`; the fifth is the shutdown reason,
/// `c` for a crash) to a [`DomainState`].
fn parse_state(letters: &str) -> Option<DomainState> {
    let flags: Vec<char> = letters.chars().collect();
    if flags.len() != 6 {
        return None;
    }
    let has = |i: usize, c: char| flags[i] == c;
    Some(
        DomainFlags {
            running: has(0, 'r'),
            blocked: has(1, 'b'),
            paused: has(2, 'p'),
            shutdown: has(3, 's'),
            crashed: has(4, 'c'),
            dying: has(5, 'd'),
        }
        .state(),
    )
}

/// Parses `xl list -v`:
///
/// ```text
/// Name        ID   Mem VCPUs State  Time(s) UUID                                 Reason-Code Security Label
/// Domain-0     0  1024     2 r-----    12.3 00000000-0000-0000-0000-000000000000 -           -
/// ```
///
/// Columns are found from the UUID backwards, so names with spaces survive.
pub fn parse_xl_list_verbose(text: &str) -> Result<Vec<XenDomain>, AgentError> {
    let command = "xl list -v";
    let mut domains = Vec::new();
    for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let Some(uuid_at) = tokens.iter().position(|t| is_uuid(t)) else {
            return Err(parse_error(command, format!("no UUID in line {line:?}")));
        };
        if uuid_at < 6 {
            return Err(parse_error(command, format!("too few columns in {line:?}")));
        }
        let [domid, mem_mib, _vcpus, state, time]: [&str; 5] = tokens[uuid_at - 5..uuid_at]
            .try_into()
            .map_err(|_| parse_error(command, "column split"))?;
        let name = tokens[..uuid_at - 5].join(" ");
        let domid: u32 = domid
            .parse()
            .map_err(|_| parse_error(command, format!("domid {domid:?}")))?;
        let mem_mib: u64 = mem_mib
            .parse()
            .map_err(|_| parse_error(command, format!("memory {mem_mib:?}")))?;
        let state =
            parse_state(state).ok_or_else(|| parse_error(command, format!("state {state:?}")))?;
        let cpu_time_ns = parse_seconds_to_ns(time)
            .ok_or_else(|| parse_error(command, format!("time {time:?}")))?;
        let uuid = DomainUuid::parse(tokens[uuid_at])
            .map_err(|e| parse_error(command, format!("uuid: {e}")))?;
        domains.push(XenDomain {
            uuid,
            name,
            domid: DomId(domid),
            state,
            cpu_time_ns,
            mem_bytes: mem_mib.saturating_mul(1024 * 1024),
        });
    }
    Ok(domains)
}

/// Converts `123.4` (seconds, decimal) to nanoseconds exactly, without floats.
fn parse_seconds_to_ns(text: &str) -> Option<u64> {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac_ns: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().ok()? * 10u64.pow(9 - frac.len() as u32)
    };
    whole.checked_mul(1_000_000_000)?.checked_add(frac_ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    const XL_LIST_V: &str = "\
Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                            Reason-Code\tSecurity Label
Domain-0                                     0  1024     2     r-----     123.4 00000000-0000-0000-0000-000000000000        -                -
web 1                                        3   256     1     -b----       5.0 6f1c2a3e-0d4b-4c1a-9a7e-2b1f3c4d5e6f        -                -
db                                          12   512     2     --p---       0.1 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d        -                -
";

    #[test]
    fn parses_xl_list_verbose() {
        let domains = parse_xl_list_verbose(XL_LIST_V).expect("parse");
        assert_eq!(domains.len(), 3);
        assert_eq!(domains[0].domid, DomId(0));
        assert_eq!(domains[0].cpu_time_ns, 123_400_000_000);
        assert_eq!(domains[1].name, "web 1");
        assert_eq!(domains[1].state, DomainState::Running);
        assert_eq!(domains[1].mem_bytes, 256 << 20);
        assert_eq!(domains[2].state, DomainState::Paused);
        assert_eq!(domains[2].cpu_time_ns, 100_000_000);
        assert_eq!(
            domains[2].uuid,
            DomainUuid::parse("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d").expect("uuid")
        );
    }

    #[test]
    fn rejects_garbage_lines_with_a_clear_error() {
        let err = parse_xl_list_verbose("header\nnot a domain line\n").expect_err("garbage");
        assert!(err.to_string().contains("no UUID"));
    }

    #[test]
    fn parses_xl_info() {
        let info = parse_xl_info(
            "host                   : xen-a\nnr_cpus                : 2\ntotal_memory           : 2047\nfree_memory            : 900\n",
        )
        .expect("parse");
        assert_eq!(info.physical_cpus, 2);
        assert_eq!(info.mem_total_bytes, 2047 << 20);
        assert_eq!(info.mem_free_bytes, 900 << 20);
        assert!(parse_xl_info("nr_cpus : x\n").is_err());
    }

    #[test]
    fn seconds_convert_to_nanoseconds_exactly() {
        assert_eq!(parse_seconds_to_ns("0.0"), Some(0));
        assert_eq!(parse_seconds_to_ns("1.5"), Some(1_500_000_000));
        assert_eq!(parse_seconds_to_ns("42"), Some(42_000_000_000));
        assert_eq!(parse_seconds_to_ns("1.x"), None);
        assert_eq!(parse_seconds_to_ns("-1.0"), None);
    }

    #[test]
    fn state_letters_map_to_states() {
        assert_eq!(parse_state("r-----"), Some(DomainState::Running));
        assert_eq!(parse_state("---s--"), Some(DomainState::Migrating));
        assert_eq!(parse_state("----c-"), Some(DomainState::Crashed));
        assert_eq!(parse_state("-----d"), Some(DomainState::ShuttingDown));
        assert_eq!(parse_state("r"), None);
    }
}
