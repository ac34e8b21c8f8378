//! The agent's configuration sent again (agent restart, or any change of the domain
//! list): the glue's config-set with `clear: vifs | swap-ranges` removes every vif
//! (departing its domain) and the agent's vifs create the domain again under the same
//! (domid, generation). Testbed full run 2, case 70: after the second such config-set
//! the swap range landed on the departed record, which is never counted, and g1's swap
//! writes stayed 0 for four minutes.

mod common;

use common::{small_geometry, Region};
use idcstat_core::engine::IdcstatCore;
use idcstat_core::lifecycle::{ControlError, VifIdentity};
use idcstat_core::snapshot::DomainState;
use idcstat_core::swap::SwapRange;

/// `MKDEV(43, 1)`: /dev/nbd1 as the kernel numbers it.
const NBD1: u32 = (43 << 20) | 1;
const G1: VifIdentity = VifIdentity {
    ifindex: 10,
    domid: 1,
    devid: 0,
    generation: 1_058_827_637,
    mac: None,
};
const WHOLE_NBD1: SwapRange = SwapRange {
    dev: NBD1,
    start_sector: 0,
    nr_sectors: u64::MAX,
};

/// What config-set with the agent's `replace_all` update does in the core, in order.
fn config_set_replace_all(core: &IdcstatCore<'_>, now_ms: u64) {
    core.vif_removed(G1.ifindex, now_ms);
    core.clear_swap_ranges();
    core.set_vif_identity(G1, now_ms).expect("vif");
    core.set_swap_range(G1.domid, G1.generation, WHOLE_NBD1)
        .expect("swap range");
}

#[test]
fn a_resent_config_counts_swap_for_the_live_record_not_a_departed_one() {
    let region = Region::new(small_geometry());
    let core = region.core();
    for (resend, now_ms) in [1_000, 2_000, 3_000].into_iter().enumerate() {
        config_set_replace_all(&core, now_ms);
        let live = core
            .account_bio(NBD1, 4096, 8, true)
            .unwrap_or_else(|| panic!("write after config-set {} not counted", resend + 1));
        let snapshot = core.domain_snapshot(live).expect("live record");
        assert_eq!(snapshot.state, DomainState::Active);
        assert_eq!(snapshot.generation, G1.generation);
        assert_eq!(snapshot.swap.write_sectors, 8);
    }
}

#[test]
fn departed_duplicates_are_acknowledged_one_by_one_while_the_live_one_stays() {
    let region = Region::new(small_geometry());
    let core = region.core();
    for now_ms in [1_000, 2_000, 3_000] {
        config_set_replace_all(&core, now_ms);
    }
    let live = core.find_domain(1, Some(G1.generation)).expect("live");
    assert_eq!(
        core.domain_snapshot(live).map(|s| s.state),
        Some(DomainState::Active)
    );
    for _ in 0..2 {
        assert_eq!(core.departed_ack(1, G1.generation), Ok(()));
    }
    assert_eq!(
        core.departed_ack(1, G1.generation),
        Err(ControlError::NotDeparted),
        "only the live record is left"
    );
    assert_eq!(core.find_domain(1, Some(G1.generation)), Some(live));
    assert_eq!(
        core.departed_ack(1, 7),
        Err(ControlError::NoSuchDomain),
        "a generation never seen"
    );
}
