//! The client's protocol handling against a scripted kernel: family resolution,
//! multi-datagram dumps, NLM_F_DUMP_INTR and ENOBUFS restarts, error mapping.

mod common;

use common::{done, error, idcstat_reply, kernel, nlmsg, Reply, ENOBUFS, FAMILY_ID};
use idcstat_client::attrs::DomainAttr;
use idcstat_client::message::IdcstatMessage;
use idcstat_client::{IdcstatClient, IdcstatError};
use idcstat_uapi::family::cmd;
use netlink_packet_core::{NLM_F_DUMP_INTR, NLM_F_MULTIPART};

fn domain(seq: u32, domid: u32, flags: u16) -> Vec<u8> {
    idcstat_reply(
        seq,
        NLM_F_MULTIPART | flags,
        IdcstatMessage::domain(cmd::DOMAIN_GET, vec![DomainAttr::Domid(domid)]),
    )
}

#[test]
fn family_is_resolved_with_its_events_group() {
    let client = IdcstatClient::with_transport(kernel(|_, _| Vec::new())).unwrap();
    assert_eq!(client.family_id(), FAMILY_ID);
    assert_eq!(client.events_group(), Some(common::EVENTS_GROUP));
}

#[test]
fn missing_family_says_the_module_is_not_loaded() {
    let fake = common::FakeKernel::new(Box::new(|_, request| {
        vec![Reply::Datagram(error(request.seq, -2, None))]
    }));
    let err = IdcstatClient::with_transport(fake).unwrap_err();
    assert!(matches!(err, IdcstatError::ModuleNotLoaded));
    assert!(err.to_string().contains("idcstat module not loaded"));
}

#[test]
fn a_dump_spanning_several_datagrams_is_collected_whole() {
    let fake = kernel(|_, request| {
        let mut first = domain(request.seq, 1, 0);
        first.extend(domain(request.seq, 2, 0));
        let mut second = domain(request.seq, 3, 0);
        second.extend(done(request.seq));
        vec![Reply::Datagram(first), Reply::Datagram(second)]
    });
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    let domids: Vec<u32> = client
        .dump_domains()
        .unwrap()
        .iter()
        .map(|d| d.domid)
        .collect();
    assert_eq!(domids, vec![1, 2, 3]);
}

#[test]
fn an_interrupted_dump_is_restarted_and_only_the_clean_one_returned() {
    let fake = kernel(|n, request| {
        if n == 1 {
            let mut datagram = domain(request.seq, 1, 0);
            datagram.extend(domain(request.seq, 2, NLM_F_DUMP_INTR));
            datagram.extend(done(request.seq));
            vec![Reply::Datagram(datagram)]
        } else {
            let mut datagram = domain(request.seq, 7, 0);
            datagram.extend(done(request.seq));
            vec![Reply::Datagram(datagram)]
        }
    });
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    let domids: Vec<u32> = client
        .dump_domains()
        .unwrap()
        .iter()
        .map(|d| d.domid)
        .collect();
    assert_eq!(domids, vec![7]);
}

#[test]
fn enobufs_restarts_the_dump_and_stale_replies_are_ignored() {
    let fake = kernel(|n, request| {
        if n == 1 {
            vec![
                Reply::Datagram(domain(request.seq, 1, 0)),
                Reply::Errno(ENOBUFS),
                Reply::Datagram(done(request.seq)),
            ]
        } else {
            let mut datagram = domain(request.seq, 9, 0);
            datagram.extend(done(request.seq));
            vec![Reply::Datagram(datagram)]
        }
    });
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    let domids: Vec<u32> = client
        .dump_domains()
        .unwrap()
        .iter()
        .map(|d| d.domid)
        .collect();
    assert_eq!(
        domids,
        vec![9],
        "the DONE of the abandoned dump (old seq) must not end the new one"
    );
}

#[test]
fn a_dump_that_never_settles_gives_up_with_a_clear_error() {
    let fake = kernel(|_, request| {
        let mut datagram = domain(request.seq, 1, NLM_F_DUMP_INTR);
        datagram.extend(done(request.seq));
        vec![Reply::Datagram(datagram)]
    });
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    let err = client.dump_domains().unwrap_err();
    assert!(
        matches!(err, IdcstatError::DumpInterrupted { attempts: 5, .. }),
        "{err}"
    );
}

#[test]
fn eperm_maps_to_permission_denied() {
    let fake = kernel(|_, request| vec![Reply::Datagram(error(request.seq, -1, None))]);
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    let err = client.reset().unwrap_err();
    assert!(matches!(
        err,
        IdcstatError::PermissionDenied { operation: "reset" }
    ));
    assert!(err.to_string().contains("CAP_NET_ADMIN"));
}

#[test]
fn extack_messages_reach_the_caller() {
    let fake = kernel(|_, request| {
        vec![Reply::Datagram(error(
            request.seq,
            -22,
            Some("idcstat: domain table full (raise max_domains)"),
        ))]
    });
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    let err = client.ack_departed(3, 1).unwrap_err();
    match err {
        IdcstatError::Kernel { errno, message, .. } => {
            assert_eq!(errno, 22);
            assert_eq!(message, "idcstat: domain table full (raise max_domains)");
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn requests_carry_the_right_command_and_flags() {
    let fake = kernel(|_, request| vec![Reply::Datagram(error(request.seq, 0, None))]);
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    client.ack_departed(3, 9).unwrap();
    let transport = client.into_transport();
    let request = &transport.sent[1];
    assert_eq!(request.kind, FAMILY_ID);
    assert_eq!(request.cmd, cmd::DEPARTED_ACK);
    assert_eq!(request.flags, 0x1 | 0x4, "NLM_F_REQUEST | NLM_F_ACK");
}

#[test]
fn a_truncated_reply_is_a_decode_error_not_a_panic() {
    let fake = kernel(|_, request| {
        let mut bad = nlmsg(
            FAMILY_ID,
            NLM_F_MULTIPART,
            request.seq,
            &[cmd::DOMAIN_GET, 1, 0, 0, 8, 0, 1, 0],
        );
        bad.truncate(bad.len() - 2);
        vec![Reply::Datagram(bad)]
    });
    let mut client = IdcstatClient::with_transport(fake).unwrap();
    assert!(matches!(
        client.dump_domains(),
        Err(IdcstatError::Decode(_))
    ));
}
