//! Domain UUIDs for libxenstat's domains, read from xenstore once per domain.
//!
//! libxenstat gives domids and names but no UUID. libxl writes a domain's
//! `/local/domain/<domid>/vm` as `/vm/<uuid>` and `/vm/<uuid>/uuid` beside it,
//! so one xenstore read names a domain; the answer is kept per domid.
//!
//! Domids are reused, so an entry is read again when the domain under its domid
//! looks different: another name (libxl renames on `xl migrate`'s
//! `--incoming`/`--migratedaway` and when preserving a domain, which also gives
//! it a new UUID), or less CPU time than last seen (a domain's CPU time never
//! decreases, a new domain's starts at 0). Entries of domids no longer listed
//! are dropped. Residual risk: a domid freed and taken by a new domain of the
//! same name between two readings, which has already burnt more CPU than the
//! old one had; Xen hands out domids in turn, so that needs about 32 000
//! domain creations within one interval (or `domid_policy = "random"` in
//! `xl.conf` and a one-in-32 000 draw) and a young domain outrunning the old
//! one's whole CPU time. The report would then carry the old UUID until the
//! domain is renamed or gone.
//!
//! dom0 is not created by libxl and has no `vm` key; it gets the nil UUID, as
//! `xl list -v` shows it unless `xen-init-dom0` was given one (its UUID is
//! never reported: dom0 counts as the host).

use std::collections::BTreeMap;

use reunion_model::{DomId, DomainUuid};

use crate::hypervisor::XenDomain;
use crate::node_stats::DomainStats;
use crate::xenstore::Xenstore;
use crate::AgentError;

/// What the cache remembers of one domid.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Known {
    name: String,
    cpu_time_ns: u64,
    uuid: DomainUuid,
}

/// UUIDs by domid, with what tells a reused domid apart.
#[derive(Debug, Default)]
pub struct UuidCache {
    known: BTreeMap<DomId, Known>,
}

impl UuidCache {
    /// Names every domain of a reading with its UUID, reading xenstore only for
    /// domids that are new or hold another domain than last time; forgets
    /// domids that are gone. Fails when a domain's UUID cannot be read (the
    /// caller then measures with `xl`).
    pub fn identify(
        &mut self,
        xenstore: &dyn Xenstore,
        domains: Vec<DomainStats>,
    ) -> Result<Vec<XenDomain>, AgentError> {
        self.known
            .retain(|domid, _| domains.iter().any(|d| d.domid == *domid));
        let mut identified = Vec::with_capacity(domains.len());
        for domain in domains {
            let cached = self
                .known
                .get(&domain.domid)
                .filter(|k| k.name == domain.name && k.cpu_time_ns <= domain.cpu_time_ns)
                .map(|k| k.uuid);
            let uuid = match cached {
                Some(uuid) => uuid,
                None => read_uuid(xenstore, domain.domid)?,
            };
            self.known.insert(
                domain.domid,
                Known {
                    name: domain.name.clone(),
                    cpu_time_ns: domain.cpu_time_ns,
                    uuid,
                },
            );
            identified.push(XenDomain {
                uuid,
                name: domain.name,
                domid: domain.domid,
                state: domain.flags.state(),
                cpu_time_ns: domain.cpu_time_ns,
                mem_bytes: domain.mem_bytes,
            });
        }
        Ok(identified)
    }

    /// How many domids are cached.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

/// Reads a domain's UUID: the last part of its `vm` path, else the `uuid` key
/// under that path.
pub fn read_uuid(xenstore: &dyn Xenstore, domid: DomId) -> Result<DomainUuid, AgentError> {
    if domid == DomId(0) {
        return Ok(DomainUuid::from_u128(0));
    }
    let vm_key = format!("/local/domain/{}/vm", domid.0);
    let missing = |key: &str, what: &str| AgentError::Parse {
        command: format!("xenstore-read {key}"),
        reason: what.to_string(),
    };
    let vm = xenstore
        .read(&vm_key)?
        .ok_or_else(|| missing(&vm_key, "no such key (domain being built or destroyed?)"))?;
    let vm = vm.trim().trim_end_matches('/');
    if let Some(uuid) = vm
        .rsplit('/')
        .next()
        .and_then(|last| DomainUuid::parse(last).ok())
    {
        return Ok(uuid);
    }
    let uuid_key = format!("{vm}/uuid");
    let text = xenstore
        .read(&uuid_key)?
        .ok_or_else(|| missing(&uuid_key, "no such key"))?;
    DomainUuid::parse(text.trim())
        .map_err(|e| missing(&uuid_key, &format!("{:?} is not a UUID: {e}", text.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::MapXenstore;
    use crate::hypervisor::DomainFlags;
    use reunion_model::DomainState;

    const WEB: &str = "6f1c2a3e-0d4b-4c1a-9a7e-2b1f3c4d5e6f";
    const DB: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";

    fn uuid(text: &str) -> DomainUuid {
        DomainUuid::parse(text).expect("uuid")
    }

    fn stats(domid: u32, name: &str, cpu_time_ns: u64) -> DomainStats {
        DomainStats {
            domid: DomId(domid),
            name: name.into(),
            flags: DomainFlags {
                blocked: true,
                ..DomainFlags::default()
            },
            cpu_time_ns,
            mem_bytes: 256 << 20,
        }
    }

    #[test]
    fn reads_the_uuid_from_the_vm_path_or_its_uuid_key() {
        let xs = MapXenstore::new(&[
            ("/local/domain/5/vm", &format!("/vm/{WEB}")),
            ("/local/domain/6/vm", "/vm/odd-name"),
            ("/vm/odd-name/uuid", DB),
            ("/local/domain/7/vm", "/vm/odd-name-2"),
        ]);
        assert_eq!(read_uuid(&xs, DomId(5)).expect("5"), uuid(WEB));
        assert_eq!(read_uuid(&xs, DomId(6)).expect("6"), uuid(DB));
        let err = read_uuid(&xs, DomId(7)).expect_err("no uuid key");
        assert!(err.to_string().contains("/vm/odd-name-2/uuid"), "{err}");
        let err = read_uuid(&xs, DomId(8)).expect_err("no vm key");
        assert!(err.to_string().contains("/local/domain/8/vm"), "{err}");
        assert_eq!(
            read_uuid(&xs, DomId(0)).expect("dom0"),
            DomainUuid::from_u128(0)
        );
    }

    #[test]
    fn xenstore_is_read_once_per_domain() {
        let xs = MapXenstore::new(&[("/local/domain/5/vm", &format!("/vm/{WEB}"))]);
        let mut cache = UuidCache::default();
        let first = cache
            .identify(&xs, vec![stats(0, "Domain-0", 9), stats(5, "web", 100)])
            .expect("first");
        assert_eq!(first[1].uuid, uuid(WEB));
        assert_eq!(first[1].state, DomainState::Running);
        assert_eq!(xs.reads(), vec!["/local/domain/5/vm".to_string()]);
        let second = cache
            .identify(&xs, vec![stats(0, "Domain-0", 19), stats(5, "web", 200)])
            .expect("second");
        assert_eq!(second[1].uuid, uuid(WEB));
        assert_eq!(second[1].cpu_time_ns, 200);
        assert_eq!(xs.reads().len(), 1, "no xenstore read for known domains");
    }

    #[test]
    fn a_reused_domid_with_another_name_is_read_again() {
        let xs = MapXenstore::new(&[("/local/domain/5/vm", &format!("/vm/{WEB}"))]);
        let mut cache = UuidCache::default();
        cache
            .identify(&xs, vec![stats(5, "web", 100)])
            .expect("web");
        xs.set("/local/domain/5/vm", &format!("/vm/{DB}"));
        let now = cache.identify(&xs, vec![stats(5, "db", 500)]).expect("db");
        assert_eq!(now[0].uuid, uuid(DB));
        assert_eq!(xs.reads().len(), 2);
    }

    #[test]
    fn a_reused_domid_with_the_same_name_is_caught_by_its_cpu_time() {
        let xs = MapXenstore::new(&[("/local/domain/5/vm", &format!("/vm/{WEB}"))]);
        let mut cache = UuidCache::default();
        cache
            .identify(&xs, vec![stats(5, "web", 7_000_000_000)])
            .expect("old web");
        xs.set("/local/domain/5/vm", &format!("/vm/{DB}"));
        let now = cache
            .identify(&xs, vec![stats(5, "web", 40_000_000)])
            .expect("new web");
        assert_eq!(
            now[0].uuid,
            uuid(DB),
            "CPU time went backwards: a new domain"
        );
        assert_eq!(xs.reads().len(), 2);
    }

    #[test]
    fn a_domid_gone_for_one_reading_is_read_again_when_it_returns() {
        let xs = MapXenstore::new(&[("/local/domain/5/vm", &format!("/vm/{WEB}"))]);
        let mut cache = UuidCache::default();
        cache
            .identify(&xs, vec![stats(5, "web", 100)])
            .expect("web");
        cache.identify(&xs, vec![]).expect("gone");
        assert!(cache.is_empty());
        cache
            .identify(&xs, vec![stats(5, "web", 900)])
            .expect("back");
        assert_eq!(xs.reads().len(), 2);
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn an_unreadable_uuid_fails_the_reading() {
        let xs = MapXenstore::new(&[]);
        let mut cache = UuidCache::default();
        let err = cache
            .identify(&xs, vec![stats(9, "half-built", 0)])
            .expect_err("no vm key");
        assert!(err.to_string().contains("/local/domain/9/vm"), "{err}");
    }
}
