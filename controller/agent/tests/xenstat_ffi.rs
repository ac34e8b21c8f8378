//! The libxenstat wrapper against a stand-in library with `xenstat.h`'s
//! prototypes, compiled here with the system C compiler: outside a Xen dom0 the
//! real library cannot open a handle, but the wrapper's calls through raw
//! pointers (names copied out before the node is freed, every node freed once,
//! the handle released, no collector flags, state flags mapped) can be checked.
//! The real library on real Xen is checked on the testbed (docs/testbed.md,
//! "A cheaper agent measurement").

use std::path::{Path, PathBuf};
use std::process::Command;

use libloading::Library;
use reunion_agent::xenstat::Xenstat;
use reunion_model::{DomId, DomainState};

const STUB: &str = r#"
#include <stdlib.h>
#include <string.h>

#define RUNNING 1
#define BLOCKED 2
#define PAUSED 4
#define SHUTDOWN 8
#define CRASH 16
#define DYING 32

typedef struct xenstat_handle { int unused; } xenstat_handle;
typedef struct xenstat_domain {
    unsigned id; char *name; unsigned long long cpu_ns, cur_mem; unsigned state;
} xenstat_domain;
typedef struct xenstat_node { unsigned num; xenstat_domain domains[4]; } xenstat_node;

static int live_nodes, live_handles, flagged_calls;
int stub_live_nodes(void) { return live_nodes; }
int stub_live_handles(void) { return live_handles; }
int stub_flagged_calls(void) { return flagged_calls; }

xenstat_handle *xenstat_init(void) { live_handles++; return calloc(1, sizeof(xenstat_handle)); }
void xenstat_uninit(xenstat_handle *h) { live_handles--; free(h); }

static void set(xenstat_domain *d, unsigned id, const char *name,
                unsigned long long cpu_ns, unsigned long long mem, unsigned state) {
    d->id = id; d->name = strdup(name); d->cpu_ns = cpu_ns; d->cur_mem = mem; d->state = state;
}

xenstat_node *xenstat_get_node(xenstat_handle *h, unsigned flags) {
    (void)h;
    if (flags != 0) flagged_calls++;
    xenstat_node *n = calloc(1, sizeof(xenstat_node));
    set(&n->domains[0], 0, "Domain-0", 10512345678ULL, 1024ULL << 20, RUNNING);
    set(&n->domains[1], 5, "web 1", 2234567891ULL, 256ULL << 20, BLOCKED);
    set(&n->domains[2], 7, "g1--incoming", 0, 96ULL << 20, PAUSED);
    set(&n->domains[3], 9, "oops", 5, 64ULL << 20, SHUTDOWN | CRASH);
    n->num = 4;
    live_nodes++;
    return n;
}

void xenstat_free_node(xenstat_node *n) {
    for (unsigned i = 0; i < n->num; i++) {
        /* Poison the name: a wrapper reading it after free_node sees garbage. */
        memset(n->domains[i].name, 'X', strlen(n->domains[i].name));
        free(n->domains[i].name);
    }
    free(n);
    live_nodes--;
}

unsigned xenstat_node_num_cpus(xenstat_node *n) { (void)n; return 2; }
unsigned long long xenstat_node_tot_mem(xenstat_node *n) { (void)n; return 2047ULL << 20; }
unsigned long long xenstat_node_free_mem(xenstat_node *n) { (void)n; return 600ULL << 20; }
unsigned xenstat_node_num_domains(xenstat_node *n) { return n->num; }
xenstat_domain *xenstat_node_domain_by_index(xenstat_node *n, unsigned i) {
    return i < n->num ? &n->domains[i] : NULL;
}
unsigned xenstat_domain_id(xenstat_domain *d) { return d->id; }
char *xenstat_domain_name(xenstat_domain *d) { return d->name; }
unsigned long long xenstat_domain_cpu_ns(xenstat_domain *d) { return d->cpu_ns; }
unsigned long long xenstat_domain_cur_mem(xenstat_domain *d) { return d->cur_mem; }
unsigned xenstat_domain_running(xenstat_domain *d) { return !!(d->state & RUNNING); }
unsigned xenstat_domain_blocked(xenstat_domain *d) { return !!(d->state & BLOCKED); }
unsigned xenstat_domain_paused(xenstat_domain *d) { return !!(d->state & PAUSED); }
/* As libxenstat: shutdown and crashed split Xen's shutdown flag by reason. */
unsigned xenstat_domain_shutdown(xenstat_domain *d) {
    return (d->state & SHUTDOWN) && !(d->state & CRASH);
}
unsigned xenstat_domain_crashed(xenstat_domain *d) {
    return (d->state & SHUTDOWN) && (d->state & CRASH);
}
unsigned xenstat_domain_dying(xenstat_domain *d) { return !!(d->state & DYING); }
"#;

/// Compiles the stand-in; `None` (with a note) where no C compiler exists.
fn build_stub(dir: &Path) -> Option<PathBuf> {
    std::fs::create_dir_all(dir).expect("dir");
    let source = dir.join("xenstat_stub.c");
    let library = dir.join("libxenstat_stub.so");
    std::fs::write(&source, STUB).expect("write");
    let status = match Command::new("cc")
        .args(["-shared", "-fPIC", "-Wall", "-Werror", "-o"])
        .arg(&library)
        .arg(&source)
        .status()
    {
        Ok(status) => status,
        Err(e) => {
            eprintln!("no C compiler ({e}): the stand-in library cannot be built");
            return None;
        }
    };
    assert!(status.success(), "cc failed: {status}");
    Some(library)
}

fn counter(library: &Library, name: &[u8]) -> i32 {
    // SAFETY: the stand-in defines these counters as `int f(void)`.
    let f = unsafe { library.get::<unsafe extern "C" fn() -> i32>(name) }.expect("counter");
    // SAFETY: a plain getter without arguments.
    unsafe { f() }
}

#[test]
fn reads_host_and_domains_through_the_c_interface() {
    let dir = std::env::temp_dir().join(format!("reunion-xenstat-ffi-{}", std::process::id()));
    let Some(path) = build_stub(&dir) else {
        return;
    };
    // A second handle on the same library keeps it loaded after `Xenstat`
    // drops, so its counters can be read at the end.
    // SAFETY: the stand-in has no initialisation code.
    let stub = unsafe { Library::new(&path) }.expect("load stub");
    let name = path.display().to_string();
    let mut xenstat = Xenstat::open_from(&[name.as_str()]).expect("open the stand-in");
    assert_eq!(counter(&stub, b"stub_live_handles\0"), 1);

    for _ in 0..2 {
        let node = xenstat.read().expect("read");
        assert_eq!(counter(&stub, b"stub_live_nodes\0"), 0, "node freed");
        assert_eq!(node.info.physical_cpus, 2);
        assert_eq!(node.info.mem_total_bytes, 2047 << 20);
        assert_eq!(node.info.mem_free_bytes, 600 << 20);
        let summary: Vec<(DomId, &str, DomainState, u64, u64)> = node
            .domains
            .iter()
            .map(|d| {
                (
                    d.domid,
                    d.name.as_str(),
                    d.flags.state(),
                    d.cpu_time_ns,
                    d.mem_bytes,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    DomId(0),
                    "Domain-0",
                    DomainState::Running,
                    10_512_345_678,
                    1024 << 20
                ),
                (
                    DomId(5),
                    "web 1",
                    DomainState::Running,
                    2_234_567_891,
                    256 << 20
                ),
                (DomId(7), "g1--incoming", DomainState::Paused, 0, 96 << 20),
                (DomId(9), "oops", DomainState::Crashed, 5, 64 << 20),
            ]
        );
    }
    assert_eq!(counter(&stub, b"stub_flagged_calls\0"), 0, "no collectors");
    drop(xenstat);
    assert_eq!(counter(&stub, b"stub_live_handles\0"), 0, "handle released");
}
