//! The real `xl` adapter against a stand-in `xl` script: argument vectors,
//! environment of the migration transport, parsing, and failures with stderr.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use reunion_agent::hypervisor::{Hypervisor, MigrationTarget};
use reunion_agent::xl::Xl;
use reunion_model::{DomId, DomainState};

const FAKE_XL: &str = r#"#!/bin/sh
dir=$(dirname "$0")
printf '%s\n' "$*" >> "$dir/calls"
env | grep '^REUNION_MIGRATION_' | sort >> "$dir/env"
case "$1" in
info) printf 'host : x\nnr_cpus : 4\ntotal_memory : 8192\nfree_memory : 1024\n' ;;
list) printf 'Name ID Mem VCPUs State Time(s) UUID Reason-Code Security-Label\n'
      printf 'Domain-0 0 1024 2 r----- 10.5 00000000-0000-0000-0000-000000000000 - -\n'
      printf 'web 5 256 1 -b---- 2.25 6f1c2a3e-0d4b-4c1a-9a7e-2b1f3c4d5e6f - -\n' ;;
mem-set) ;;
migrate) if [ -e "$dir/fail" ]; then echo "libxl: error: migration failed: destination refused" >&2; exit 1; fi ;;
*) echo "unknown $1" >&2; exit 2 ;;
esac
"#;

fn setup(name: &str) -> (PathBuf, Xl) {
    let dir = std::env::temp_dir().join(format!("reunion-xl-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let write_script = |file: &str, text: &str| {
        let path = dir.join(file);
        std::fs::write(&path, text).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    };
    let xl = write_script("xl", FAKE_XL);
    let xenstore_read = write_script(
        "xenstore-read",
        "#!/bin/sh\n[ \"$1\" = /local/domain/5/memory/static-max ] && echo 524288 && exit 0\nexit 1\n",
    );
    let adapter = Xl {
        xl: xl.display().to_string(),
        xenstore_read: xenstore_read.display().to_string(),
        transport_command: "reunion migrate-transport".into(),
        command_timeout: Duration::from_secs(5),
        migrate_timeout: Duration::from_secs(5),
    };
    (dir, adapter)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_default()
}

#[test]
fn reads_host_info_domains_and_max_memory() {
    let (_dir, xl) = setup("read");
    let info = xl.host_info().expect("info");
    assert_eq!(info.physical_cpus, 4);
    assert_eq!(info.mem_free_bytes, 1024 << 20);
    let domains = xl.domains().expect("domains");
    assert_eq!(domains.len(), 2);
    assert_eq!(domains[1].cpu_time_ns, 2_250_000_000);
    assert_eq!(domains[1].state, DomainState::Running);
    assert_eq!(xl.max_mem_bytes(DomId(5)).expect("max"), 512 << 20);
    assert!(xl.max_mem_bytes(DomId(6)).is_err());
}

#[test]
fn mem_set_passes_an_argument_vector_in_kib() {
    let (dir, xl) = setup("memset");
    xl.mem_set(DomId(5), 300 << 20).expect("mem-set");
    assert_eq!(read(&dir, "calls"), "mem-set 5 307200k\n");
}

#[test]
fn migrate_runs_the_fixed_transport_with_the_ticket_in_the_environment() {
    let (dir, xl) = setup("migrate");
    xl.migrate(
        DomId(5),
        &MigrationTarget {
            host: "xen-b".into(),
            address: "10.0.0.2:7931".into(),
            id: 42,
            ticket: [0xab; 32],
        },
    )
    .expect("migrate");
    assert_eq!(
        read(&dir, "calls"),
        "migrate -s reunion migrate-transport 5 xen-b\n"
    );
    let env = read(&dir, "env");
    assert!(
        env.contains("REUNION_MIGRATION_ADDR=10.0.0.2:7931\n"),
        "{env}"
    );
    assert!(env.contains("REUNION_MIGRATION_HOST=xen-b\n"), "{env}");
    assert!(env.contains("REUNION_MIGRATION_ID=42\n"), "{env}");
    assert!(env.contains(&format!("REUNION_MIGRATION_TICKET={}\n", "ab".repeat(32))));
}

#[test]
fn migrate_refuses_a_host_name_a_shell_would_interpret() {
    let (dir, xl) = setup("evil");
    let err = xl
        .migrate(
            DomId(5),
            &MigrationTarget {
                host: "xen-b;reboot".into(),
                address: "10.0.0.2:7931".into(),
                id: 1,
                ticket: [0; 32],
            },
        )
        .expect_err("refused");
    assert!(err.to_string().contains("destination host name"), "{err}");
    assert_eq!(read(&dir, "calls"), "", "xl never ran");
}

#[test]
fn failed_migration_carries_xl_stderr() {
    let (dir, xl) = setup("fail");
    std::fs::write(dir.join("fail"), "").expect("flag");
    let err = xl
        .migrate(
            DomId(5),
            &MigrationTarget {
                host: "xen-b".into(),
                address: "10.0.0.2:7931".into(),
                id: 1,
                ticket: [0; 32],
            },
        )
        .expect_err("fails");
    assert!(err.to_string().contains("destination refused"), "{err}");
}
