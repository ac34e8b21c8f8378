//! The memory figures quoted in docs/idcstat.md ("Memory") are what the layout
//! really allocates.

use idcstat_core::geometry::{Geometry, Layout};

fn domain_bytes(peers: u32, shards: u32) -> usize {
    let geometry = Geometry {
        peers_per_table: peers,
        shards,
        nr_cpus: shards,
        ..Geometry::default()
    };
    Layout::new(&geometry).unwrap().domain_words * 8
}

#[test]
fn per_domain_bytes_match_the_documented_formula() {
    for (peers, shards) in [(256u32, 1u32), (256, 2), (256, 8), (16, 2), (1024, 4)] {
        let slots = (peers + peers / 4 + 1) as usize;
        let round8 = |w: usize| w.div_ceil(8) * 8;
        let keys_and_meta = round8(24 + 16 * slots);
        let shard = round8(40 + 8 * slots);
        assert_eq!(
            domain_bytes(peers, shards),
            8 * (keys_and_meta + shards as usize * shard),
            "{peers} peers, {shards} shards"
        );
    }
}

#[test]
fn documented_examples() {
    assert_eq!(domain_bytes(256, 1), 62_144);
    assert_eq!(domain_bytes(256, 2), 83_008);
    assert_eq!(domain_bytes(256, 8), 208_192);
    let defaults = Geometry {
        shards: 2,
        nr_cpus: 2,
        ..Geometry::default()
    };
    // 64 domains of 83 008 B, the global tables, and the flow cache: 8 KiB per CPU.
    assert_eq!(
        Layout::new(&defaults).unwrap().total_words * 8,
        5_325_760 + 2 * 8192
    );
}
