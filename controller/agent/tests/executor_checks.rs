//! The agent refuses commands that do not fit what it hosts.

use std::collections::BTreeMap;
use std::sync::Arc;

use reunion_agent::executor::Executor;
use reunion_agent::fake::{lock_world, FakeCall, FakeHost, FakeHypervisor, SharedWorld};
use reunion_agent::hypervisor::{HostInfo, XenDomain};
use reunion_model::{
    Action, ActionId, ActionKind, ActionOutcome, DomId, DomainState, DomainUuid, HostId,
};

fn setup() -> (SharedWorld, Executor) {
    let world = SharedWorld::default();
    for name in ["xen-a", "xen-b"] {
        lock_world(&world).hosts.insert(
            name.into(),
            FakeHost {
                info: HostInfo {
                    physical_cpus: 2,
                    mem_total_bytes: 4 << 30,
                    mem_free_bytes: 2 << 30,
                },
                domains: Vec::new(),
                migrate_failure: None,
            },
        );
    }
    lock_world(&world)
        .hosts
        .get_mut("xen-a")
        .expect("host")
        .domains
        .push(XenDomain {
            uuid: DomainUuid::from_u128(1),
            name: "web".into(),
            domid: DomId(5),
            state: DomainState::Running,
            cpu_time_ns: 0,
            mem_bytes: 256 << 20,
        });
    let executor = Executor::new(
        HostId::new("xen-a"),
        Arc::new(FakeHypervisor {
            world: world.clone(),
            host: "xen-a".into(),
        }),
        BTreeMap::from([("xen-b".to_string(), "127.0.0.1:1".to_string())]),
    );
    (world, executor)
}

fn migrate(uuid: u128, domid: u32, source: &str, destination: &str) -> Action {
    Action {
        id: ActionId(1),
        kind: ActionKind::Migrate {
            uuid: DomainUuid::from_u128(uuid),
            domid: DomId(domid),
            source: HostId::new(source),
            destination: HostId::new(destination),
        },
    }
}

fn mem_set(uuid: u128, domid: u32, target: u64) -> Action {
    Action {
        id: ActionId(2),
        kind: ActionKind::MemSet {
            host: HostId::new("xen-a"),
            uuid: DomainUuid::from_u128(uuid),
            domid: DomId(domid),
            target_bytes: target,
        },
    }
}

fn refused_with(executor: &Executor, action: &Action, ticket: Option<[u8; 32]>, text: &str) {
    let result = executor.execute(action, ticket, false);
    match result.outcome {
        ActionOutcome::Failed { stderr } => assert!(stderr.contains(text), "{stderr}"),
        ActionOutcome::Ok => panic!("{action:?} must be refused ({text})"),
    }
}

#[test]
fn refuses_domains_it_does_not_host() {
    let (world, executor) = setup();
    refused_with(
        &executor,
        &migrate(9, 5, "xen-a", "xen-b"),
        Some([0; 32]),
        "not hosted",
    );
    refused_with(&executor, &mem_set(9, 5, 300 << 20), None, "not hosted");
    assert!(lock_world(&world).calls.is_empty());
}

#[test]
fn refuses_a_stale_domid() {
    let (_, executor) = setup();
    refused_with(&executor, &mem_set(1, 6, 300 << 20), None, "domid");
}

#[test]
fn refuses_actions_for_another_host() {
    let (_, executor) = setup();
    refused_with(
        &executor,
        &migrate(1, 5, "xen-b", "xen-a"),
        Some([0; 32]),
        "for host xen-b",
    );
}

#[test]
fn refuses_destinations_outside_the_cluster_list_and_itself() {
    let (world, executor) = setup();
    refused_with(
        &executor,
        &migrate(1, 5, "xen-a", "evil"),
        Some([0; 32]),
        "not in this agent's cluster",
    );
    refused_with(
        &executor,
        &migrate(1, 5, "xen-a", "xen-a"),
        Some([0; 32]),
        "this host",
    );
    refused_with(&executor, &migrate(1, 5, "xen-a", "xen-b"), None, "ticket");
    assert!(lock_world(&world).calls.is_empty());
}

#[test]
fn refuses_memory_above_the_maximum() {
    let (_, executor) = setup();
    // The fake's max memory is max(current, 1 GiB).
    refused_with(&executor, &mem_set(1, 5, 2 << 30), None, "max memory");
}

#[test]
fn dry_run_checks_but_does_not_execute() {
    let (world, executor) = setup();
    let result = executor.execute(&migrate(1, 5, "xen-a", "xen-b"), Some([0; 32]), true);
    assert_eq!(result.outcome, ActionOutcome::Ok);
    assert!(lock_world(&world).calls.is_empty());
}

#[test]
fn never_runs_two_migrations_of_one_domain() {
    // A hypervisor whose migrate blocks until released, to hold the first one in flight.
    use std::sync::{Condvar, Mutex};
    struct Slow {
        inner: FakeHypervisor,
        gate: Arc<(Mutex<bool>, Condvar)>,
    }
    impl reunion_agent::hypervisor::Hypervisor for Slow {
        fn host_info(&self) -> Result<HostInfo, reunion_agent::AgentError> {
            self.inner.host_info()
        }
        fn domains(&self) -> Result<Vec<XenDomain>, reunion_agent::AgentError> {
            self.inner.domains()
        }
        fn max_mem_bytes(&self, d: DomId) -> Result<u64, reunion_agent::AgentError> {
            self.inner.max_mem_bytes(d)
        }
        fn mem_set(&self, d: DomId, t: u64) -> Result<(), reunion_agent::AgentError> {
            self.inner.mem_set(d, t)
        }
        fn migrate(
            &self,
            d: DomId,
            t: &reunion_agent::hypervisor::MigrationTarget,
        ) -> Result<(), reunion_agent::AgentError> {
            let (lock, cvar) = &*self.gate;
            let mut open = lock.lock().expect("gate");
            while !*open {
                open = cvar.wait(open).expect("gate");
            }
            drop(open);
            self.inner.migrate(d, t)
        }
        fn migrate_receive_argv(&self) -> Vec<String> {
            Vec::new()
        }
    }
    let (world, _) = setup();
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let executor = Executor::new(
        HostId::new("xen-a"),
        Arc::new(Slow {
            inner: FakeHypervisor {
                world: world.clone(),
                host: "xen-a".into(),
            },
            gate: gate.clone(),
        }),
        BTreeMap::from([("xen-b".to_string(), "127.0.0.1:1".to_string())]),
    );
    let first = {
        let executor = executor.clone();
        std::thread::spawn(move || {
            executor.execute(&migrate(1, 5, "xen-a", "xen-b"), Some([0; 32]), false)
        })
    };
    while executor.migrations_in_flight() == 0 {
        std::thread::yield_now();
    }
    refused_with(
        &executor,
        &migrate(1, 5, "xen-a", "xen-b"),
        Some([0; 32]),
        "being migrated",
    );
    refused_with(&executor, &mem_set(1, 5, 300 << 20), None, "being migrated");
    *gate.0.lock().expect("gate") = true;
    gate.1.notify_all();
    assert_eq!(first.join().expect("join").outcome, ActionOutcome::Ok);
    assert_eq!(executor.migrations_in_flight(), 0);
    assert_eq!(
        lock_world(&world).calls,
        vec![FakeCall::Migrate {
            host: "xen-a".into(),
            domid: DomId(5),
            destination: "xen-b".into()
        }]
    );
}
