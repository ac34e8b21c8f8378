//! Builders of well-formed frames (only the header fields the core reads are real).

use idcstat_core::addr::{IpAddr16, MacAddr};

fn eth(dst: MacAddr, src: MacAddr, ethertype: u16) -> Vec<u8> {
    let mut f = Vec::with_capacity(128);
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

/// An IPv4/UDP frame with `payload` bytes of UDP payload (total = 14 + 20 + 8 + payload).
pub fn ipv4_udp(
    dst: MacAddr,
    src: MacAddr,
    src_ip: IpAddr16,
    dst_ip: IpAddr16,
    payload: usize,
) -> Vec<u8> {
    let mut f = eth(dst, src, 0x0800);
    let total = (20 + 8 + payload) as u16;
    f.extend_from_slice(&[
        0x45,
        0,
        (total >> 8) as u8,
        total as u8,
        0,
        0,
        0x40,
        0,
        64,
        17,
        0,
        0,
    ]);
    f.extend_from_slice(&src_ip.v4().expect("v4"));
    f.extend_from_slice(&dst_ip.v4().expect("v4"));
    f.extend_from_slice(&[0x30, 0x39, 0x30, 0x39, 0, (8 + payload) as u8, 0, 0]);
    f.resize(f.len() + payload, 0xab);
    f
}

/// An IPv6/UDP frame.
pub fn ipv6_udp(
    dst: MacAddr,
    src: MacAddr,
    src_ip: [u8; 16],
    dst_ip: [u8; 16],
    payload: usize,
) -> Vec<u8> {
    let mut f = eth(dst, src, 0x86dd);
    let len = (8 + payload) as u16;
    f.extend_from_slice(&[0x60, 0, 0, 0, (len >> 8) as u8, len as u8, 17, 64]);
    f.extend_from_slice(&src_ip);
    f.extend_from_slice(&dst_ip);
    f.extend_from_slice(&[0x30, 0x39, 0x30, 0x39, 0, 0, 0, 0]);
    f.resize(f.len() + payload, 0xcd);
    f
}

/// An unsolicited neighbour advertisement for `target`, sent to all-nodes.
pub fn ndp_advert(src: MacAddr, src_ip: [u8; 16], target: [u8; 16]) -> Vec<u8> {
    let mut f = eth(MacAddr([0x33, 0x33, 0, 0, 0, 1]), src, 0x86dd);
    f.extend_from_slice(&[0x60, 0, 0, 0, 0, 32, 58, 255]);
    f.extend_from_slice(&src_ip);
    f.extend_from_slice(&[0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    f.extend_from_slice(&[136, 0, 0, 0, 0x20, 0, 0, 0]);
    f.extend_from_slice(&target);
    f.extend_from_slice(&[2, 1]);
    f.extend_from_slice(&src.0);
    f
}

/// An ARP request or reply.
pub fn arp(
    dst: MacAddr,
    src: MacAddr,
    sender_ip: IpAddr16,
    target_ip: IpAddr16,
    reply: bool,
) -> Vec<u8> {
    let mut f = eth(dst, src, 0x0806);
    f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, if reply { 2 } else { 1 }]);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&sender_ip.v4().expect("v4"));
    f.extend_from_slice(&if reply { dst.0 } else { [0; 6] });
    f.extend_from_slice(&target_ip.v4().expect("v4"));
    f
}

/// Inserts an 802.1Q tag after the MAC addresses.
pub fn vlan_tagged(frame: &[u8], vid: u16) -> Vec<u8> {
    let mut f = frame[..12].to_vec();
    f.extend_from_slice(&[0x81, 0x00, (vid >> 8) as u8, vid as u8]);
    f.extend_from_slice(&frame[12..]);
    f
}

/// A frame of an arbitrary EtherType.
pub fn other(dst: MacAddr, src: MacAddr, ethertype: u16, payload: usize) -> Vec<u8> {
    let mut f = eth(dst, src, ethertype);
    f.resize(f.len() + payload, 0);
    f
}
