//! libxenstat, loaded at run time: the host's CPUs and memory and every
//! domain's name, state, memory and nanosecond CPU time from one call, without
//! forking `xl`.
//!
//! `xenstat_get_node(handle, 0)` costs two hypercalls (`xc_physinfo`, and
//! `xc_domain_getinfolist` for up to 256 domains at a time) plus one xenstore
//! read per domain (its `/local/domain/<domid>/name`) over the handle's open
//! xenstore connection. The flags stay 0: `XENSTAT_VCPU` would add a hypercall
//! per vCPU, `XENSTAT_NETWORK` parses `/proc/net/dev`, `XENSTAT_VBD` walks
//! sysfs and `XENSTAT_XEN_VERSION` asks Xen its version; the agent needs none
//! of them (idcstat counts traffic and swap I/O). `xl info` and `xl list -v`
//! each start a process that opens libxl, which took 1.45 s and 1.77 s per call
//! in a TCG-emulated dom0.
//!
//! The library ships in Debian's `libxenmisc4.<ver>` package, which `xen-utils`
//! depends on, so it is present wherever `xl` is; it is loaded with `dlopen` so
//! that the agent builds and runs without it (then measuring with `xl`). The
//! prototypes below are those of `xenstat.h`, unchanged from Xen 4.17 to 4.20.
//! Raw pointers stay inside this file.

use std::ffi::{c_char, c_uint, c_ulonglong, CStr};
use std::ptr::NonNull;

use libloading::Library;
use reunion_model::DomId;

use crate::hypervisor::{DomainFlags, HostInfo};
use crate::node_stats::{DomainStats, NodeStats, NodeStatsSource};
use crate::AgentError;

/// `xenstat_handle`, opaque.
#[repr(C)]
struct XenstatHandle {
    _opaque: [u8; 0],
}

/// `xenstat_node`, opaque.
#[repr(C)]
struct XenstatNode {
    _opaque: [u8; 0],
}

/// `xenstat_domain`, opaque.
#[repr(C)]
struct XenstatDomain {
    _opaque: [u8; 0],
}

/// `xenstat_get_node` flags: no extra collector (see the module docs).
const NO_COLLECTORS: c_uint = 0;

/// Names tried in order: the development symlink, then the versioned sonames
/// of the Xen releases Debian ships.
const LIBRARY_NAMES: &[&str] = &[
    "libxenstat.so",
    "libxenstat.so.4.21",
    "libxenstat.so.4.20",
    "libxenstat.so.4.19",
    "libxenstat.so.4.18",
    "libxenstat.so.4.17",
];

/// The libxenstat functions the agent calls, with their `xenstat.h` prototypes.
#[derive(Clone, Copy)]
struct Symbols {
    init: unsafe extern "C" fn() -> *mut XenstatHandle,
    uninit: unsafe extern "C" fn(*mut XenstatHandle),
    get_node: unsafe extern "C" fn(*mut XenstatHandle, c_uint) -> *mut XenstatNode,
    free_node: unsafe extern "C" fn(*mut XenstatNode),
    node_num_cpus: unsafe extern "C" fn(*mut XenstatNode) -> c_uint,
    node_tot_mem: unsafe extern "C" fn(*mut XenstatNode) -> c_ulonglong,
    node_free_mem: unsafe extern "C" fn(*mut XenstatNode) -> c_ulonglong,
    node_num_domains: unsafe extern "C" fn(*mut XenstatNode) -> c_uint,
    node_domain_by_index: unsafe extern "C" fn(*mut XenstatNode, c_uint) -> *mut XenstatDomain,
    domain_id: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
    domain_name: unsafe extern "C" fn(*mut XenstatDomain) -> *mut c_char,
    domain_cpu_ns: unsafe extern "C" fn(*mut XenstatDomain) -> c_ulonglong,
    domain_cur_mem: unsafe extern "C" fn(*mut XenstatDomain) -> c_ulonglong,
    domain_running: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
    domain_blocked: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
    domain_paused: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
    domain_shutdown: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
    domain_crashed: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
    domain_dying: unsafe extern "C" fn(*mut XenstatDomain) -> c_uint,
}

/// Looks up one function of `library`.
///
/// # Safety
///
/// `T` must be the function pointer type of `name`'s C prototype.
unsafe fn symbol<T: Copy>(library: &Library, name: &str) -> Result<T, AgentError> {
    let mut c_name = name.as_bytes().to_vec();
    c_name.push(0);
    // SAFETY: the caller guarantees that `T` matches the symbol's prototype; the
    // pointer is used only while `library` stays loaded (see `Xenstat`).
    unsafe { library.get::<T>(&c_name) }
        .map(|s| *s)
        .map_err(|e| AgentError::Xenstat(format!("the library lacks {name}: {e}")))
}

impl Symbols {
    /// Resolves every function, or names the first one missing.
    fn resolve(library: &Library) -> Result<Self, AgentError> {
        // SAFETY: each name is paired with the field whose type is its
        // `xenstat.h` prototype (`unsigned` is `c_uint`, `unsigned long long`
        // is `c_ulonglong`, the structs are opaque pointers).
        unsafe {
            Ok(Symbols {
                init: symbol(library, "xenstat_init")?,
                uninit: symbol(library, "xenstat_uninit")?,
                get_node: symbol(library, "xenstat_get_node")?,
                free_node: symbol(library, "xenstat_free_node")?,
                node_num_cpus: symbol(library, "xenstat_node_num_cpus")?,
                node_tot_mem: symbol(library, "xenstat_node_tot_mem")?,
                node_free_mem: symbol(library, "xenstat_node_free_mem")?,
                node_num_domains: symbol(library, "xenstat_node_num_domains")?,
                node_domain_by_index: symbol(library, "xenstat_node_domain_by_index")?,
                domain_id: symbol(library, "xenstat_domain_id")?,
                domain_name: symbol(library, "xenstat_domain_name")?,
                domain_cpu_ns: symbol(library, "xenstat_domain_cpu_ns")?,
                domain_cur_mem: symbol(library, "xenstat_domain_cur_mem")?,
                domain_running: symbol(library, "xenstat_domain_running")?,
                domain_blocked: symbol(library, "xenstat_domain_blocked")?,
                domain_paused: symbol(library, "xenstat_domain_paused")?,
                domain_shutdown: symbol(library, "xenstat_domain_shutdown")?,
                domain_crashed: symbol(library, "xenstat_domain_crashed")?,
                domain_dying: symbol(library, "xenstat_domain_dying")?,
            })
        }
    }
}

/// Loads the first of `names` that `dlopen` finds.
fn load(names: &[&str]) -> Result<Library, AgentError> {
    let mut errors = Vec::new();
    for name in names {
        // SAFETY: libxenstat and its dependencies (libxenctrl, libxenstore)
        // run no initialisation code with preconditions.
        match unsafe { Library::new(name) } {
            Ok(library) => return Ok(library),
            Err(e) => errors.push(format!("{name}: {e}")),
        }
    }
    Err(AgentError::Xenstat(format!(
        "not found ({})",
        errors.join("; ")
    )))
}

/// An open libxenstat handle.
pub struct Xenstat {
    handle: NonNull<XenstatHandle>,
    symbols: Symbols,
    // Declared last: dropped after the handle is released in `Drop`, and keeps
    // the function pointers in `symbols` valid for the whole life of `self`.
    _library: Library,
}

impl std::fmt::Debug for Xenstat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Xenstat")
    }
}

// SAFETY: the handle is only used through `&mut self`, and libxenstat keeps no
// thread-local state, so moving it to another thread is sound.
unsafe impl Send for Xenstat {}

/// Frees a node when dropped, on every path out of [`Xenstat::read`].
struct NodeGuard {
    node: NonNull<XenstatNode>,
    free: unsafe extern "C" fn(*mut XenstatNode),
}

impl Drop for NodeGuard {
    fn drop(&mut self) {
        // SAFETY: `node` came from `xenstat_get_node`, nothing borrowed from it
        // outlives the guard (names are copied out), and it is freed only here.
        unsafe { (self.free)(self.node.as_ptr()) };
    }
}

impl Xenstat {
    /// Loads libxenstat and opens a handle; fails cleanly without the
    /// library, with a library that lacks a function, or without Xen.
    pub fn open() -> Result<Self, AgentError> {
        Self::open_from(LIBRARY_NAMES)
    }

    /// Like [`Xenstat::open`], trying the given library names.
    pub fn open_from(names: &[&str]) -> Result<Self, AgentError> {
        let library = load(names)?;
        let symbols = Symbols::resolve(&library)?;
        // SAFETY: `xenstat_init` takes no arguments and returns NULL on failure.
        let handle = NonNull::new(unsafe { (symbols.init)() }).ok_or_else(|| {
            AgentError::Xenstat(
                "xenstat_init failed (not running in a Xen dom0, or no access to \
                 /dev/xen/privcmd or xenstore)"
                    .into(),
            )
        })?;
        Ok(Xenstat {
            handle,
            symbols,
            _library: library,
        })
    }

    /// Reads the host and every named domain once.
    pub fn read(&mut self) -> Result<NodeStats, AgentError> {
        let s = self.symbols;
        // SAFETY: `handle` came from a successful `xenstat_init` and is not
        // released before `Drop`.
        let node = unsafe { (s.get_node)(self.handle.as_ptr(), NO_COLLECTORS) };
        let node = NodeGuard {
            node: NonNull::new(node).ok_or_else(|| {
                AgentError::Xenstat("xenstat_get_node failed (a hypercall or ENOMEM)".into())
            })?,
            free: s.free_node,
        };
        let n = node.node.as_ptr();
        // SAFETY: `n` is a live node (freed only when `node` drops, after the
        // last use below).
        let (num_cpus, tot_mem, free_mem, count) = unsafe {
            (
                (s.node_num_cpus)(n),
                (s.node_tot_mem)(n),
                (s.node_free_mem)(n),
                (s.node_num_domains)(n),
            )
        };
        let mut domains = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for index in 0..count {
            // SAFETY: `index` is below the live node's domain count.
            let domain = unsafe { (s.node_domain_by_index)(n, index) };
            if domain.is_null() {
                continue;
            }
            // SAFETY: `domain` is a non-null domain of the live node; its name
            // (owned by the node) is checked for NULL and copied out before the
            // node is freed.
            let stats = unsafe {
                let name = (s.domain_name)(domain);
                if name.is_null() {
                    continue;
                }
                DomainStats {
                    domid: DomId((s.domain_id)(domain)),
                    name: CStr::from_ptr(name).to_string_lossy().into_owned(),
                    flags: DomainFlags {
                        running: (s.domain_running)(domain) != 0,
                        blocked: (s.domain_blocked)(domain) != 0,
                        paused: (s.domain_paused)(domain) != 0,
                        // libxenstat splits Xen's shutdown flag by reason.
                        shutdown: (s.domain_shutdown)(domain) != 0
                            || (s.domain_crashed)(domain) != 0,
                        crashed: (s.domain_crashed)(domain) != 0,
                        dying: (s.domain_dying)(domain) != 0,
                    },
                    cpu_time_ns: (s.domain_cpu_ns)(domain),
                    mem_bytes: (s.domain_cur_mem)(domain),
                }
            };
            domains.push(stats);
        }
        drop(node);
        Ok(NodeStats {
            info: HostInfo {
                physical_cpus: num_cpus,
                mem_total_bytes: tot_mem,
                mem_free_bytes: free_mem,
            },
            domains,
        })
    }
}

impl NodeStatsSource for Xenstat {
    fn read(&mut self) -> Result<NodeStats, AgentError> {
        Xenstat::read(self)
    }
}

impl Drop for Xenstat {
    fn drop(&mut self) {
        // SAFETY: the handle is released exactly once, while the library that
        // owns `uninit` is still loaded (`_library` drops after this).
        unsafe { (self.symbols.uninit)(self.handle.as_ptr()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outside a Xen dom0 (as in CI) opening fails with a clear error, never a
    /// crash, whether or not the library is installed.
    #[test]
    fn open_fails_cleanly_without_xen() {
        if std::path::Path::new("/dev/xen/privcmd").exists() {
            return; // A real dom0: covered by the testbed instead.
        }
        let err = Xenstat::open().expect_err("no Xen here");
        let text = err.to_string();
        assert!(
            text.contains("not found") || text.contains("xenstat_init failed"),
            "{text}"
        );
    }

    /// A library without libxenstat's functions (here the C library) is
    /// refused with the first missing function's name, so the agent measures
    /// with `xl` instead of calling through a bad pointer.
    #[test]
    fn a_library_lacking_a_function_is_refused_by_name() {
        let err = Xenstat::open_from(&["libc.so.6"]).expect_err("libc is no libxenstat");
        let text = err.to_string();
        assert!(text.contains("lacks xenstat_init"), "{text}");
    }

    #[test]
    fn a_missing_library_lists_every_name_tried() {
        let err = Xenstat::open_from(&["libreunion-absent-1.so", "libreunion-absent-2.so"])
            .expect_err("absent");
        let text = err.to_string();
        assert!(text.contains("not found"), "{text}");
        assert!(text.contains("libreunion-absent-1.so"), "{text}");
        assert!(text.contains("libreunion-absent-2.so"), "{text}");
    }

    /// Every function the agent calls exists in the libxenstat installed on
    /// this machine, if any (Debian's `libxenmisc4.<ver>`; the build host has
    /// 4.17, the testbed's dom0 4.20, with the same symbol list).
    #[test]
    fn the_installed_libxenstat_has_every_function() {
        let Ok(library) = load(LIBRARY_NAMES) else {
            eprintln!("no libxenstat installed: nothing to check");
            return;
        };
        if let Err(e) = Symbols::resolve(&library) {
            panic!("installed libxenstat: {e}");
        }
    }
}
