//! The one-shot migration channel: authenticated, single use, closed when idle.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reunion_agent::migration::{relay, MigrationReceiver};
use reunion_model::{ActionId, DomainUuid};
use reunion_proto::message::migration_identity;
use reunion_proto::{connect, ProtoError, Psk, SessionOptions};

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn receiver() -> MigrationReceiver {
    // `cat` stands in for `xl migrate-receive`: it echoes the stream back,
    // which exercises both directions.
    MigrationReceiver::new(([127, 0, 0, 1], 0).into(), vec!["cat".into()])
}

fn wait_closed(receiver: &MigrationReceiver) -> bool {
    let end = Instant::now() + Duration::from_secs(5);
    while Instant::now() < end {
        if receiver.listening_on().is_none() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn stream_flows_both_ways_and_the_ticket_is_single_use() {
    let receiver = receiver();
    let ticket = [7u8; 32];
    receiver
        .arm(
            ActionId(3),
            DomainUuid::from_u128(1),
            ticket,
            Duration::from_secs(30),
        )
        .expect("arm");
    let address = receiver.listening_on().expect("listening");
    let session = connect(
        address,
        "xen-b",
        &migration_identity(ActionId(3)),
        &Psk::from_bytes(ticket),
        &SessionOptions::default(),
    )
    .expect("authenticated");
    let output = Shared::default();
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    relay(session, payload.as_slice(), output.clone()).expect("relay");
    assert_eq!(*output.0.lock().expect("buffer"), payload);
    // The ticket was consumed: the listener closed, and nobody can reuse it.
    assert!(wait_closed(&receiver));
    assert!(connect(
        address,
        "xen-b",
        &migration_identity(ActionId(3)),
        &Psk::from_bytes(ticket),
        &SessionOptions::default(),
    )
    .is_err());
}

#[test]
fn wrong_ticket_is_refused_and_the_right_one_still_works() {
    let receiver = receiver();
    let ticket = [8u8; 32];
    receiver
        .arm(
            ActionId(4),
            DomainUuid::from_u128(2),
            ticket,
            Duration::from_secs(30),
        )
        .expect("arm");
    let address = receiver.listening_on().expect("listening");
    let wrong = connect(
        address,
        "xen-b",
        &migration_identity(ActionId(4)),
        &Psk::from_bytes([9; 32]),
        &SessionOptions::default(),
    );
    assert!(matches!(wrong, Err(ProtoError::BadMac)));
    let unknown = connect(
        address,
        "xen-b",
        &migration_identity(ActionId(5)),
        &Psk::from_bytes(ticket),
        &SessionOptions::default(),
    );
    assert!(matches!(unknown, Err(ProtoError::Rejected(_))));
    let session = connect(
        address,
        "xen-b",
        &migration_identity(ActionId(4)),
        &Psk::from_bytes(ticket),
        &SessionOptions::default(),
    )
    .expect("the real ticket still works");
    let output = Shared::default();
    relay(session, &b"stream"[..], output.clone()).expect("relay");
    assert_eq!(*output.0.lock().expect("buffer"), b"stream");
}

#[test]
fn channel_closes_when_the_ticket_expires() {
    let receiver = receiver();
    receiver
        .arm(
            ActionId(6),
            DomainUuid::from_u128(3),
            [1; 32],
            Duration::from_millis(200),
        )
        .expect("arm");
    assert!(receiver.listening_on().is_some());
    assert!(wait_closed(&receiver));
    assert!(!receiver.busy());
}
