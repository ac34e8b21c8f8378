// SPDX-License-Identifier: GPL-2.0

//! idcstat: per-packet IDC/NIC classification for Xen dom0 (Rust side).
//!
//! This file holds the `module!` declaration and every `extern "C"` entry
//! point; the C side (`idcstat_glue.c`) reaches kernel interfaces that
//! Rust-for-Linux does not wrap. Both link into one module, `idcstat.ko`.

use kernel::prelude::*;

module! {
    type: Idcstat,
    name: "idcstat",
    authors: ["reunion developers"],
    description: "Inter-domain communication statistics for Xen dom0",
    license: "GPL",
}

extern "C" {
    /// Defined in `idcstat_glue.c`.
    fn idcstat_glue_abi_version() -> u32;
}

struct Idcstat;

impl kernel::Module for Idcstat {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: `idcstat_glue_abi_version` takes no arguments and only
        // returns a constant.
        let glue_version = unsafe { idcstat_glue_abi_version() };
        pr_info!("loaded (glue version {})\n", glue_version);
        Ok(Idcstat)
    }
}

impl Drop for Idcstat {
    fn drop(&mut self) {
        pr_info!("unloaded\n");
    }
}
