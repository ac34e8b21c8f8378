//! Shared test helpers: a core over a heap region, and frame builders.
#![allow(dead_code)] // Each test file uses a different subset of the helpers.

pub mod frames;

use std::sync::atomic::AtomicU64;

use idcstat_core::addr::{IpAddr16, MacAddr, Prefix};
use idcstat_core::engine::IdcstatCore;
use idcstat_core::geometry::Geometry;
use idcstat_core::lifecycle::VifIdentity;

/// Owns the word region a test core lives in.
pub struct Region {
    words: Vec<AtomicU64>,
    geometry: Geometry,
}

impl Region {
    pub fn new(geometry: Geometry) -> Self {
        let n = IdcstatCore::required_words(&geometry).expect("geometry");
        Region {
            words: (0..n).map(|_| AtomicU64::new(0)).collect(),
            geometry,
        }
    }

    pub fn core(&self) -> IdcstatCore<'_> {
        IdcstatCore::new(self.geometry, &self.words).expect("core")
    }

    /// The raw words, for tests that preset counters.
    pub fn words(&self) -> &[AtomicU64] {
        &self.words
    }
}

pub fn small_geometry() -> Geometry {
    Geometry {
        max_domains: 8,
        peers_per_table: 16,
        max_vifs: 16,
        shards: 2,
        nr_cpus: 2,
        ..Geometry::default()
    }
}

pub const fn mac(last: u8) -> MacAddr {
    MacAddr([0x00, 0x16, 0x3e, 0x00, 0x00, last])
}

pub const ROUTER_MAC: MacAddr = MacAddr([0x02, 0x00, 0x00, 0x00, 0x00, 0xfe]);

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> IpAddr16 {
    IpAddr16::from_v4([a, b, c, d])
}

/// Domain `domid` with vif ifindex `100 + domid`, MAC `mac(domid)`, IP 10.0.0.domid.
pub fn add_domain(core: &IdcstatCore<'_>, domid: u16) -> usize {
    core.set_vif_identity(
        VifIdentity {
            ifindex: 100 + u32::from(domid),
            domid,
            devid: 0,
            generation: 1,
            mac: Some(mac(domid as u8)),
        },
        0,
    )
    .expect("vif identity");
    core.find_domain(domid, None).expect("domain slot")
}

/// Cluster 10.0.0.0/16 and fd00::/64; dom0 is 10.0.0.254.
pub fn configure_cluster(core: &IdcstatCore<'_>) {
    core.add_cluster_prefix(Prefix::v4([10, 0, 0, 0], 16).unwrap())
        .unwrap();
    core.add_cluster_prefix(
        Prefix::v6([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 64).unwrap(),
    )
    .unwrap();
    core.add_host_addr(v4(10, 0, 0, 254)).unwrap();
}

pub fn ifindex_of(domid: u16) -> u32 {
    100 + u32::from(domid)
}
