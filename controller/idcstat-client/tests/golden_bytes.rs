//! Golden bytes: requests encode to exactly the bytes the kernel's policy expects, and
//! replies decode from hand-written bytes; typed values round-trip through the wire.
#![cfg(target_endian = "little")]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use idcstat_client::attrs::{ConfigAttr, CountersAttr, DomainAttr};
use idcstat_client::message::{IdcstatAttrs, IdcstatMessage};
use idcstat_client::model::{
    ConfigUpdate, DomainCounters, DomainState, DomainStats, IpPrefix, MacAddr, Traffic,
};
use idcstat_client::wire::parse_nlas;
use idcstat_uapi::attrs::counters_attr;
use idcstat_uapi::family::cmd;
use netlink_packet_core::{
    DefaultNla, Emitable, NetlinkHeader, NetlinkMessage, NetlinkPayload, ParseableParametrized,
};
use netlink_packet_generic::GenlMessage;

fn encode(message: IdcstatMessage, flags: u16, seq: u32) -> Vec<u8> {
    let mut genl = GenlMessage::from_payload(message);
    genl.set_resolved_family_id(0x1d);
    let mut header = NetlinkHeader::default();
    header.flags = flags;
    header.sequence_number = seq;
    let mut nl = NetlinkMessage::new(header, NetlinkPayload::InnerMessage(genl));
    nl.finalize();
    let mut out = vec![0u8; nl.buffer_len()];
    nl.serialize(&mut out);
    out
}

fn emit(attrs: &[DomainAttr]) -> Vec<u8> {
    let mut out = vec![0u8; attrs.buffer_len()];
    attrs.emit(&mut out);
    out
}

#[test]
fn departed_ack_request_bytes() {
    let bytes = encode(
        IdcstatMessage::domain(
            cmd::DEPARTED_ACK,
            vec![DomainAttr::Domid(3), DomainAttr::Generation(9)],
        ),
        0x5,
        1,
    );
    #[rustfmt::skip]
    let expected = [
        36, 0, 0, 0, 0x1d, 0, 5, 0, 1, 0, 0, 0, 0, 0, 0, 0, // nlmsghdr
        cmd::DEPARTED_ACK, 1, 0, 0,                         // genlmsghdr, version 1
        8, 0, 1, 0, 3, 0, 0, 0,                             // domid = 3
        8, 0, 2, 0, 9, 0, 0, 0,                             // generation = 9
    ];
    assert_eq!(bytes, expected);
}

#[test]
fn config_set_nests_are_flagged_and_padded() {
    let update = ConfigUpdate {
        clear: 1,
        cluster_prefixes: vec![IpPrefix {
            addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)),
            len: 16,
        }],
        ..ConfigUpdate::default()
    };
    let bytes = encode(
        IdcstatMessage::config(cmd::CONFIG_SET, update.to_attrs()),
        0x5,
        2,
    );
    #[rustfmt::skip]
    let expected = [
        48, 0, 0, 0, 0x1d, 0, 5, 0, 2, 0, 0, 0, 0, 0, 0, 0,
        cmd::CONFIG_SET, 1, 0, 0,
        8, 0, 7, 0, 1, 0, 0, 0,                 // clear = cluster-prefixes
        20, 0, 2, 0x80,                         // cluster-prefix, NLA_F_NESTED
            8, 0, 1, 0, 10, 0, 0, 0,            //   ipv4 10.0.0.0 (network order)
            5, 0, 3, 0, 16, 0, 0, 0,            //   prefix-len 16, padded
    ];
    assert_eq!(bytes, expected);
}

#[test]
fn uint_counters_use_four_bytes_when_they_fit_and_eight_otherwise() {
    let small = emit(&[DomainAttr::Counters(vec![CountersAttr::Counter {
        id: 1,
        value: 5,
    }])]);
    assert_eq!(small, [12, 0, 9, 0x80, 8, 0, 1, 0, 5, 0, 0, 0]);
    let big = emit(&[DomainAttr::Counters(vec![CountersAttr::Counter {
        id: 1,
        value: 1 << 32,
    }])]);
    assert_eq!(big, [16, 0, 9, 0x80, 12, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
}

#[test]
fn a_hand_written_domain_reply_decodes() {
    #[rustfmt::skip]
    let body = [
        cmd::DOMAIN_GET, 1, 0, 0,
        8, 0, 1, 0, 7, 0, 0, 0,                 // domid 7
        8, 0, 2, 0, 2, 0, 0, 0,                 // generation 2
        8, 0, 3, 0, 1, 0, 0, 0,                 // state departed
        8, 0, 4, 0, 0xe8, 3, 0, 0,              // departed-ms 1000
        10, 0, 5, 0, 0, 0x16, 0x3e, 0, 0, 7, 0, 0, // mac, padded
        8, 0, 6, 0, 10, 0, 0, 7,                // ipv4 10.0.0.7
        8, 0, 8, 0, 42, 0, 0, 0,                // ifindex 42
        20, 0, 9, 0x80,                         // counters
            8, 0, 1, 0, 100, 0, 0, 0,           //   tx-packets 100
            8, 0, 5, 0, 60, 0, 0, 0,            //   idc-tx-packets 60
        8, 0, 200, 0, 1, 2, 3, 4,               // unknown attribute 200
    ];
    let genl = GenlMessage::<IdcstatMessage>::parse_with_param(&body[..], 0x1d).unwrap();
    let IdcstatAttrs::Domain(attrs) = &genl.payload.attrs else {
        panic!("domain attrs")
    };
    assert!(attrs.contains(&DomainAttr::Other(DefaultNla::new(200, vec![1, 2, 3, 4]))));
    let domain = DomainStats::from_attrs(attrs);
    assert_eq!(
        (domain.domid, domain.generation, domain.state),
        (7, 2, DomainState::Departed)
    );
    assert_eq!(domain.departed_ms, Some(1000));
    assert_eq!(domain.mac, Some(MacAddr([0, 0x16, 0x3e, 0, 0, 7])));
    assert_eq!(domain.ipv4, Some(Ipv4Addr::new(10, 0, 0, 7)));
    assert_eq!(domain.ifindexes, vec![42]);
    assert_eq!(domain.counters.tx.total.packets, 100);
    assert_eq!(domain.counters.tx.idc.packets, 60);
}

#[test]
fn unknown_attributes_survive_a_round_trip_verbatim() {
    let attrs = vec![
        DomainAttr::Domid(1),
        DomainAttr::Other(DefaultNla::new(77, vec![9, 9, 9])),
    ];
    let bytes = emit(&attrs);
    assert_eq!(parse_nlas::<DomainAttr>(&bytes).unwrap(), attrs);
}

#[test]
fn a_full_domain_round_trips() {
    let mut counters = DomainCounters::default();
    counters.tx.total = Traffic {
        packets: 10,
        bytes: u64::MAX,
    };
    counters.rx.nic = Traffic {
        packets: 3,
        bytes: 4000,
    };
    counters.swap.write_sectors = 1 << 40;
    counters.dropped_peers = 2;
    let domain = DomainStats {
        domid: 12,
        generation: 5,
        state: DomainState::Active,
        departed_ms: None,
        mac: Some(MacAddr([0, 0x16, 0x3e, 1, 2, 3])),
        ipv4: Some(Ipv4Addr::new(10, 1, 2, 3)),
        ipv6: vec![Ipv6Addr::LOCALHOST, "fd00::5".parse().unwrap()],
        ifindexes: vec![4, 5],
        counters,
        reset_epoch: 1,
    };
    let bytes = emit(&domain.to_attrs());
    let parsed = parse_nlas::<DomainAttr>(&bytes).unwrap();
    assert_eq!(DomainStats::from_attrs(&parsed), domain);
    let counter_attrs = domain.counters.to_attrs();
    assert_eq!(
        counter_attrs.len(),
        counters_attr::ALL.len(),
        "every spec counter is emitted"
    );
}

#[test]
fn config_round_trips_through_config_get_attributes() {
    let attrs = vec![
        ConfigAttr::AbiVersion(1),
        ConfigAttr::MaxDomains(64),
        ConfigAttr::UntrackedPackets(3),
        ConfigAttr::UplinkIfindex(2),
    ];
    let mut bytes = vec![0u8; attrs.as_slice().buffer_len()];
    attrs.as_slice().emit(&mut bytes);
    let config =
        idcstat_client::IdcstatConfig::from_attrs(&parse_nlas::<ConfigAttr>(&bytes).unwrap());
    assert_eq!(
        (
            config.abi_version,
            config.max_domains,
            config.untracked.packets,
            config.uplinks.clone()
        ),
        (1, 64, 3, vec![2])
    );
}
