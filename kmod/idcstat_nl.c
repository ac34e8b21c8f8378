// SPDX-License-Identifier: GPL-2.0
/*
 * idcstat_nl.c - the generic netlink family of idcstat.ko: policies, split
 * ops and the "events" multicast group, generated from the ABI's source of
 * truth (uapi/idcstat.yaml) by the kernel's ynl-gen-c (uapi/generate-c.sh).
 * The handlers it names are in idcstat_glue.c.
 */
#include "../uapi/c/idcstat-nl.c"
