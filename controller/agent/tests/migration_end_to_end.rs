//! A migration through the real path, with only `xl` itself faked:
//! `Xl::migrate` → `xl migrate -s "<transport>" <domid> <host>` (a script that,
//! like xl, runs `exec <transport> <host> xl migrate-receive` through `sh` and
//! streams into it) → the transport process (this binary, re-executed) → the
//! authenticated one-shot channel → `MigrationReceiver` → `xl migrate-receive`
//! (a script that stores the stream and answers).
//!
//! `harness = false`: when `REUNION_TEST_AS_TRANSPORT` is set, this binary is
//! the transport (`run_transport`), exactly as `reunion migrate-transport` is.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use reunion_agent::hypervisor::{Hypervisor, MigrationTarget};
use reunion_agent::migration::{run_transport, MigrationReceiver};
use reunion_agent::xl::Xl;
use reunion_model::{ActionId, DomId, DomainUuid};

const TRANSPORT_FLAG: &str = "REUNION_TEST_AS_TRANSPORT";

/// `migrate`: like xl, run the transport command through the shell with the
/// host and xl's remote command, send the domain's stream, expect `ready`.
/// `migrate-receive`: store the stream, answer `ready`.
const FAKE_XL: &str = r#"#!/bin/sh
dir=$(dirname "$0")
case "$1" in
migrate)
    transport=$3; domid=$4; host=$5
    printf 'memory-of-domain-%s' "$domid" | sh -c "exec $transport $host xl migrate-receive" > "$dir/reply" || exit 1
    grep -q '^ready' "$dir/reply" || { echo "no answer from the receiver" >&2; exit 1; } ;;
migrate-receive)
    cat > "$dir/received"
    echo ready ;;
*) exit 2 ;;
esac
"#;

/// Like xl's real protocol, a conversation in the middle of the stream: the
/// receiver reads the stream, answers `ready` (no newline, as xl's
/// `"domain received, ready to unpause"`), waits for `go`, answers `done`.
/// The sender waits for each answer before it goes on, and keeps its end of
/// the stream open meanwhile, so nothing is flushed by an end of stream.
const FAKE_XL_CONVERSATION: &str = r#"#!/bin/sh
dir=$(dirname "$0")
case "$1" in
migrate)
    transport=$3; domid=$4; host=$5
    mkfifo "$dir/to" "$dir/from" || exit 1
    sh -c "exec $transport $host xl migrate-receive" < "$dir/to" > "$dir/from" &
    exec 3> "$dir/to" 4< "$dir/from"
    printf 'memory-of-domain-%s' "$domid" >&3
    ready=$(dd bs=1 count=5 <&4 2>/dev/null)
    [ "$ready" = ready ] || { echo "sender: got '$ready', not ready" >&2; exit 1; }
    printf go >&3
    done=$(dd bs=1 count=4 <&4 2>/dev/null)
    exec 3>&-
    wait
    [ "$done" = done ] || { echo "sender: got '$done', not done" >&2; exit 1; } ;;
migrate-receive)
    dd bs=1 count=18 of="$dir/received" 2>/dev/null
    printf ready
    go=$(dd bs=1 count=2 2>/dev/null)
    [ "$go" = go ] || exit 1
    printf done ;;
*) exit 2 ;;
esac
"#;

fn setup(name: &str) -> (PathBuf, Xl, MigrationReceiver) {
    setup_with(name, FAKE_XL)
}

fn setup_with(name: &str, fake_xl: &str) -> (PathBuf, Xl, MigrationReceiver) {
    let dir = std::env::temp_dir().join(format!("reunion-e2e-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let xl_path = dir.join("xl");
    std::fs::write(&xl_path, fake_xl).expect("write");
    std::fs::set_permissions(&xl_path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let me = std::env::current_exe().expect("own path");
    let xl = Xl {
        xl: xl_path.display().to_string(),
        xenstore_read: "false".into(),
        transport_command: me.display().to_string(),
        command_timeout: Duration::from_secs(10),
        migrate_timeout: Duration::from_secs(30),
    };
    let receiver = MigrationReceiver::new(
        ([127, 0, 0, 1], 0).into(),
        vec![xl_path.display().to_string(), "migrate-receive".into()],
    );
    (dir, xl, receiver)
}

fn migration_streams_through_the_authenticated_channel() {
    let (dir, xl, receiver) = setup("ok");
    let ticket = [0x5a; 32];
    receiver
        .arm(
            ActionId(9),
            DomainUuid::from_u128(1),
            ticket,
            Duration::from_secs(30),
        )
        .expect("arm");
    let address = receiver.listening_on().expect("listening").to_string();
    xl.migrate(
        DomId(5),
        &MigrationTarget {
            host: "xen-b".into(),
            address,
            id: 9,
            ticket,
        },
    )
    .expect("migration succeeds");
    assert_eq!(
        std::fs::read_to_string(dir.join("received")).expect("received"),
        "memory-of-domain-5"
    );
    // The channel was one-shot: it closed behind the migration.
    let closed = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(50));
        receiver.listening_on().is_none()
    });
    assert!(closed, "channel closed after use");
}

/// Regression: the transport held the receiver's `ready` (no newline) in its
/// line-buffered stdout, so `xl migrate` never answered and both xl processes
/// waited for each other until the migration timed out (seen on the Xen testbed
/// with the guest suspended at the source and paused at the destination).
fn mid_stream_answers_reach_the_sender_at_once() {
    let (dir, mut xl, receiver) = setup_with("conversation", FAKE_XL_CONVERSATION);
    // A deadlock shows as this timeout, not as a hung test.
    xl.migrate_timeout = Duration::from_secs(20);
    let ticket = [0x3c; 32];
    receiver
        .arm(
            ActionId(11),
            DomainUuid::from_u128(3),
            ticket,
            Duration::from_secs(30),
        )
        .expect("arm");
    let address = receiver.listening_on().expect("listening").to_string();
    xl.migrate(
        DomId(5),
        &MigrationTarget {
            host: "xen-b".into(),
            address,
            id: 11,
            ticket,
        },
    )
    .expect("the conversation completes");
    assert_eq!(
        std::fs::read_to_string(dir.join("received")).expect("received"),
        "memory-of-domain-5"
    );
}

fn migration_with_a_wrong_ticket_never_reaches_migrate_receive() {
    let (dir, xl, receiver) = setup("wrong");
    receiver
        .arm(
            ActionId(10),
            DomainUuid::from_u128(2),
            [0x11; 32],
            Duration::from_secs(30),
        )
        .expect("arm");
    let address = receiver.listening_on().expect("listening").to_string();
    let err = xl
        .migrate(
            DomId(6),
            &MigrationTarget {
                host: "xen-b".into(),
                address,
                id: 10,
                ticket: [0x22; 32],
            },
        )
        .expect_err("must fail");
    assert!(err.to_string().contains("MAC"), "{err}");
    assert!(!dir.join("received").exists(), "migrate-receive never ran");
}

fn main() {
    if std::env::var_os(TRANSPORT_FLAG).is_some() {
        // Invoked by the fake xl as `<this binary> <host> xl migrate-receive`.
        let host = std::env::args().nth(1).unwrap_or_default();
        match run_transport(&host, &|name| std::env::var(name).ok()) {
            Ok(()) => std::process::exit(0),
            Err(e) => {
                eprintln!("migrate-transport: {e}");
                std::process::exit(1);
            }
        }
    }
    // Children (xl, sh, the transport) inherit this; the test itself checked it above.
    std::env::set_var(TRANSPORT_FLAG, "1");
    migration_streams_through_the_authenticated_channel();
    println!("test migration_streams_through_the_authenticated_channel ... ok");
    mid_stream_answers_reach_the_sender_at_once();
    println!("test mid_stream_answers_reach_the_sender_at_once ... ok");
    migration_with_a_wrong_ticket_never_reaches_migrate_receive();
    println!("test migration_with_a_wrong_ticket_never_reaches_migrate_receive ... ok");
}
