//! Feeds arbitrary frames through the whole per-packet path: it must count every
//! frame exactly once and never panic. Byte 0 picks the direction and CPU.
#![no_main]

use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;

use idcstat_core::addr::{MacAddr, Prefix};
use idcstat_core::classify::Direction;
use idcstat_core::engine::{Accounted, IdcstatCore};
use idcstat_core::geometry::Geometry;
use idcstat_core::lifecycle::VifIdentity;
use libfuzzer_sys::fuzz_target;

const GEOMETRY: Geometry =
    Geometry { max_domains: 4, peers_per_table: 8, max_vifs: 8, shards: 2, nr_cpus: 2, departed_timeout_ms: 1000, hash_seed: 7 };

fn core() -> &'static IdcstatCore<'static> {
    static WORDS: OnceLock<Vec<AtomicU64>> = OnceLock::new();
    static CORE: OnceLock<IdcstatCore<'static>> = OnceLock::new();
    CORE.get_or_init(|| {
        let words = WORDS.get_or_init(|| {
            let n = IdcstatCore::required_words(&GEOMETRY).expect("geometry");
            (0..n).map(|_| AtomicU64::new(0)).collect()
        });
        let core = IdcstatCore::new(GEOMETRY, words).expect("core");
        core.add_cluster_prefix(Prefix::v4([10, 0, 0, 0], 8).expect("prefix")).expect("config");
        for domid in 1..=2u16 {
            let mac = MacAddr([0, 0x16, 0x3e, 0, 0, domid as u8]);
            let vif = VifIdentity { ifindex: u32::from(domid), domid, devid: 0, generation: 1, mac: Some(mac) };
            core.set_vif_identity(vif, 0).expect("vif");
        }
        core
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, frame)) = data.split_first() else { return };
    let direction = if control & 1 == 0 { Direction::Tx } else { Direction::Rx };
    let cpu = u32::from((control >> 1) & 1);
    let ifindex = u32::from((control >> 2) & 1) + 1;
    let outcome = core().account_frame(ifindex, direction, cpu, frame, frame.len() as u32);
    assert!(matches!(outcome, Accounted::Counted { .. }));
});
