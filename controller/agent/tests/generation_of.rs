//! The generations the agent gives domains are ones the module accepts.

use proptest::prelude::*;
use reunion_agent::idcstat::generation_of;
use reunion_model::DomainUuid;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The module refuses generations of 0 and from `AUTO_GENERATION_BASE` up
    /// (its own, for vifs it named itself) with EINVAL; on the testbed half of
    /// all UUIDs folded above it and the agent could never configure idcstat.
    #[test]
    fn every_uuid_folds_to_an_agent_generation(uuid in any::<u128>()) {
        let generation = generation_of(DomainUuid::from_u128(uuid));
        prop_assert!(generation >= 1);
        prop_assert!(generation < idcstat_uapi::family::AUTO_GENERATION_BASE);
    }
}

#[test]
fn a_uuid_whose_fold_has_the_top_bit_set_stays_stable_and_below_the_base() {
    let uuid = DomainUuid::from_u128(0x8000_0001);
    assert_eq!(generation_of(uuid), 1);
    assert_eq!(generation_of(uuid), generation_of(uuid));
}
