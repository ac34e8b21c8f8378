// SPDX-License-Identifier: GPL-2.0
/*
 * idcstat_glue.c - C side of the idcstat module.
 *
 * Rust-for-Linux does not wrap every kernel interface idcstat needs, so the
 * C parts live here and are linked with idcstat_main.rs into one module.
 */

#include <linux/types.h>

u32 idcstat_glue_abi_version(void);

/*
 * idcstat_glue_abi_version - version of the Rust/C interface of this file.
 *
 * Called by the Rust side at load time; it proves that both objects are
 * linked into one module.
 */
u32 idcstat_glue_abi_version(void)
{
	return 1;
}
