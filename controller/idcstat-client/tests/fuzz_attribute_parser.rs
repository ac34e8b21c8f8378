//! Fuzz-style tests of everything that decodes kernel bytes: arbitrary input yields a
//! value or an error, never a panic; arbitrary typed domains round-trip. Bounded cases.

use std::net::Ipv4Addr;

use idcstat_client::attrs::{ConfigAttr, DomainAttr, PeerAttr};
use idcstat_client::frames::{error_reply, split};
use idcstat_client::message::IdcstatMessage;
use idcstat_client::model::{DomainCounters, DomainState, DomainStats, MacAddr, PeerStats};
use idcstat_client::wire::parse_nlas;
use netlink_packet_core::{Emitable, ParseableParametrized};
use netlink_packet_generic::GenlMessage;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1000,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_attribute_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(attrs) = parse_nlas::<DomainAttr>(&bytes) {
            let _ = DomainStats::from_attrs(&attrs);
        }
        if let Ok(attrs) = parse_nlas::<PeerAttr>(&bytes) {
            let _ = PeerStats::from_attrs(&attrs);
        }
        if let Ok(attrs) = parse_nlas::<ConfigAttr>(&bytes) {
            let _ = idcstat_client::IdcstatConfig::from_attrs(&attrs);
        }
    }

    #[test]
    fn arbitrary_genl_bodies_never_panic(cmd in 0u8..10, bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut body = vec![cmd, 1, 0, 0];
        body.extend_from_slice(&bytes);
        let _ = GenlMessage::<IdcstatMessage>::parse_with_param(&body[..], 0x1d);
        let _ = GenlMessage::<IdcstatMessage>::parse_with_param(&bytes[..], 0x1d);
    }

    #[test]
    fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(messages) = split(&bytes) {
            for message in messages {
                let _ = error_reply(&message);
            }
        }
    }

    #[test]
    fn mutated_valid_replies_never_panic(flip in 0usize..200, value in any::<u8>()) {
        let domain = sample_domain(1, 2, 3);
        let attrs = domain.to_attrs();
        let mut bytes = vec![0u8; attrs.as_slice().buffer_len()];
        attrs.as_slice().emit(&mut bytes);
        let at = flip % bytes.len();
        bytes[at] = value;
        let _ = parse_nlas::<DomainAttr>(&bytes).map(|a| DomainStats::from_attrs(&a));
        bytes.truncate(at);
        let _ = parse_nlas::<DomainAttr>(&bytes).map(|a| DomainStats::from_attrs(&a));
    }

    #[test]
    fn arbitrary_domains_round_trip(domid in any::<u32>(), generation in any::<u32>(), packets in any::<u64>()) {
        let domain = sample_domain(domid, generation, packets);
        let attrs = domain.to_attrs();
        let mut bytes = vec![0u8; attrs.as_slice().buffer_len()];
        attrs.as_slice().emit(&mut bytes);
        let parsed = parse_nlas::<DomainAttr>(&bytes).unwrap();
        prop_assert_eq!(DomainStats::from_attrs(&parsed), domain);
    }
}

fn sample_domain(domid: u32, generation: u32, packets: u64) -> DomainStats {
    let mut counters = DomainCounters::default();
    counters.rx.idc.packets = packets;
    counters.tx.external.bytes = packets.rotate_left(17);
    DomainStats {
        domid,
        generation,
        state: DomainState::Departed,
        departed_ms: Some(packets / 3),
        mac: Some(MacAddr([2, 0, 0, 0, 0, (domid % 256) as u8])),
        ipv4: Some(Ipv4Addr::from(domid)),
        ipv6: Vec::new(),
        ifindexes: vec![domid % 1000],
        counters,
        reset_epoch: generation / 7,
    }
}
