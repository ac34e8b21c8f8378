//! Feeds arbitrary bytes to everything that decodes kernel replies: datagram
//! splitting, error/extack decoding, genl bodies and every attribute set.
#![no_main]

use idcstat_client::attrs::{ConfigAttr, DomainAttr, PeerAttr};
use idcstat_client::frames::{error_reply, split};
use idcstat_client::message::IdcstatMessage;
use idcstat_client::model::{DomainStats, IdcstatConfig, PeerStats};
use idcstat_client::wire::parse_nlas;
use libfuzzer_sys::fuzz_target;
use netlink_packet_core::ParseableParametrized;
use netlink_packet_generic::GenlMessage;

fuzz_target!(|data: &[u8]| {
    if let Ok(messages) = split(data) {
        for message in messages {
            let _ = error_reply(&message);
            let _ = GenlMessage::<IdcstatMessage>::parse_with_param(message.body, message.kind);
        }
    }
    let _ = GenlMessage::<IdcstatMessage>::parse_with_param(data, 0x1d);
    if let Ok(attrs) = parse_nlas::<DomainAttr>(data) {
        let _ = DomainStats::from_attrs(&attrs);
    }
    if let Ok(attrs) = parse_nlas::<PeerAttr>(data) {
        let _ = PeerStats::from_attrs(&attrs);
    }
    if let Ok(attrs) = parse_nlas::<ConfigAttr>(data) {
        let _ = IdcstatConfig::from_attrs(&attrs);
    }
});
