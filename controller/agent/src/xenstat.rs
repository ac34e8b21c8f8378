//! Nanosecond CPU time per domain from libxenstat, loaded at run time.
//!
//! `xl list` prints libxl's `cpu_time` rounded to 0.1 s; libxenstat's
//! `xenstat_domain_cpu_ns` gives the hypervisor's nanoseconds (the value
//! `xentop` computes its percentages from). The library ships in Debian's
//! `libxenmisc4.<ver>` package, which `xen-utils` already depends on, so it is
//! present wherever `xl` is; it is loaded with `dlopen` so that the agent still
//! builds and runs (with `xl`'s resolution) where it is absent.

use std::collections::BTreeMap;
use std::ffi::{c_uint, c_ulonglong, c_void};
use std::ptr::NonNull;

use libloading::Library;
use reunion_model::DomId;

use crate::AgentError;

type InitFn = unsafe extern "C" fn() -> *mut c_void;
type UninitFn = unsafe extern "C" fn(*mut c_void);
type GetNodeFn = unsafe extern "C" fn(*mut c_void, c_uint) -> *mut c_void;
type FreeNodeFn = unsafe extern "C" fn(*mut c_void);
type NumDomainsFn = unsafe extern "C" fn(*mut c_void) -> c_uint;
type DomainByIndexFn = unsafe extern "C" fn(*mut c_void, c_uint) -> *mut c_void;
type DomainIdFn = unsafe extern "C" fn(*mut c_void) -> c_uint;
type DomainCpuNsFn = unsafe extern "C" fn(*mut c_void) -> c_ulonglong;

/// Names tried in order: the development symlink, then the versioned sonames
/// of the Xen releases Debian ships.
const LIBRARY_NAMES: &[&str] = &[
    "libxenstat.so",
    "libxenstat.so.4.20",
    "libxenstat.so.4.19",
    "libxenstat.so.4.18",
    "libxenstat.so.4.17",
];

/// An open libxenstat handle.
pub struct Xenstat {
    handle: NonNull<c_void>,
    uninit: UninitFn,
    get_node: GetNodeFn,
    free_node: FreeNodeFn,
    num_domains: NumDomainsFn,
    domain_by_index: DomainByIndexFn,
    domain_id: DomainIdFn,
    domain_cpu_ns: DomainCpuNsFn,
    // Declared last: dropped after the handle is released in `Drop`, and keeps
    // the function pointers above valid for the whole life of `self`.
    _library: Library,
}

impl std::fmt::Debug for Xenstat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Xenstat")
    }
}

// SAFETY: the handle is only used through `&mut self` (callers wrap `Xenstat`
// in a mutex), and libxenstat keeps no thread-local state, so moving it to
// another thread is sound.
unsafe impl Send for Xenstat {}

fn symbol<T: Copy>(library: &Library, name: &[u8]) -> Result<T, AgentError> {
    // SAFETY: every call site names a libxenstat function whose C prototype
    // (xenstat.h) matches the Rust function pointer type `T` it asks for.
    unsafe { library.get::<T>(name) }.map(|s| *s).map_err(|e| {
        AgentError::Idcstat(format!(
            "libxenstat lacks {}: {e}",
            String::from_utf8_lossy(name)
        ))
    })
}

impl Xenstat {
    /// Loads libxenstat and opens a handle; fails cleanly without the library
    /// or without Xen.
    pub fn open() -> Result<Self, AgentError> {
        let mut errors = Vec::new();
        let mut library = None;
        for name in LIBRARY_NAMES {
            // SAFETY: loading libxenstat runs no initialisation code with
            // preconditions (it has no constructors beyond libc's).
            match unsafe { Library::new(name) } {
                Ok(lib) => {
                    library = Some(lib);
                    break;
                }
                Err(e) => errors.push(format!("{name}: {e}")),
            }
        }
        let library = library.ok_or_else(|| AgentError::Command {
            command: "dlopen libxenstat".into(),
            reason: format!("not found ({})", errors.join("; ")),
        })?;
        let init: InitFn = symbol(&library, b"xenstat_init\0")?;
        let uninit: UninitFn = symbol(&library, b"xenstat_uninit\0")?;
        let get_node: GetNodeFn = symbol(&library, b"xenstat_get_node\0")?;
        let free_node: FreeNodeFn = symbol(&library, b"xenstat_free_node\0")?;
        let num_domains: NumDomainsFn = symbol(&library, b"xenstat_node_num_domains\0")?;
        let domain_by_index: DomainByIndexFn = symbol(&library, b"xenstat_node_domain_by_index\0")?;
        let domain_id: DomainIdFn = symbol(&library, b"xenstat_domain_id\0")?;
        let domain_cpu_ns: DomainCpuNsFn = symbol(&library, b"xenstat_domain_cpu_ns\0")?;
        // SAFETY: `xenstat_init` takes no arguments and returns NULL on failure.
        let handle = NonNull::new(unsafe { init() }).ok_or_else(|| AgentError::Command {
            command: "xenstat_init".into(),
            reason: "failed (not running in a Xen dom0, or no access to /dev/xen/privcmd)".into(),
        })?;
        Ok(Xenstat {
            handle,
            uninit,
            get_node,
            free_node,
            num_domains,
            domain_by_index,
            domain_id,
            domain_cpu_ns,
            _library: library,
        })
    }

    /// Cumulative CPU time of every domain, nanoseconds, by domid.
    pub fn cpu_times(&mut self) -> Result<BTreeMap<DomId, u64>, AgentError> {
        // SAFETY: `handle` came from a successful `xenstat_init` and is not
        // uninitialised before `Drop`; flags 0 collects only the domain list,
        // which always includes each domain's CPU time.
        let node = unsafe { (self.get_node)(self.handle.as_ptr(), 0) };
        let Some(node) = NonNull::new(node) else {
            return Err(AgentError::Command {
                command: "xenstat_get_node".into(),
                reason: "failed".into(),
            });
        };
        let mut times = BTreeMap::new();
        // SAFETY: `node` is a live node from `xenstat_get_node`.
        let count = unsafe { (self.num_domains)(node.as_ptr()) };
        for index in 0..count {
            // SAFETY: `index` is below the node's domain count, as the API requires.
            let domain = unsafe { (self.domain_by_index)(node.as_ptr(), index) };
            if domain.is_null() {
                continue;
            }
            // SAFETY: `domain` is a non-null domain of the live `node`.
            let (id, ns) = unsafe { ((self.domain_id)(domain), (self.domain_cpu_ns)(domain)) };
            times.insert(DomId(id), ns);
        }
        // SAFETY: `node` is freed exactly once, after its last use above.
        unsafe { (self.free_node)(node.as_ptr()) };
        Ok(times)
    }
}

impl Drop for Xenstat {
    fn drop(&mut self) {
        // SAFETY: the handle is released exactly once, while the library that
        // owns `uninit` is still loaded (`_library` drops after this).
        unsafe { (self.uninit)(self.handle.as_ptr()) };
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
            text.contains("not found") || text.contains("xenstat_init"),
            "{text}"
        );
    }
}
