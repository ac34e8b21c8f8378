// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	specs/idcstat.yaml */
/* YNL-GEN kernel source */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "idcstat-nl.h"

#include "idcstat.h"

/* Integer value ranges */
static const struct netlink_range_validation idcstat_a_vif_domid_range = {
	.max	= U16_MAX,
};

static const struct netlink_range_validation idcstat_a_swap_range_domid_range = {
	.max	= U16_MAX,
};

static const struct netlink_range_validation idcstat_a_domain_domid_range = {
	.max	= U16_MAX,
};

static const struct netlink_range_validation idcstat_a_peer_domid_range = {
	.max	= U16_MAX,
};

/* Common nested types */
const struct nla_policy idcstat_address_nl_policy[IDCSTAT_A_ADDRESS_PREFIX_LEN + 1] = {
	[IDCSTAT_A_ADDRESS_IPV4] = { .type = NLA_BE32, },
	[IDCSTAT_A_ADDRESS_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[IDCSTAT_A_ADDRESS_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

const struct nla_policy idcstat_swap_range_nl_policy[IDCSTAT_A_SWAP_RANGE_NR_SECTORS + 1] = {
	[IDCSTAT_A_SWAP_RANGE_DOMID] = NLA_POLICY_FULL_RANGE(NLA_U32, &idcstat_a_swap_range_domid_range),
	[IDCSTAT_A_SWAP_RANGE_GENERATION] = { .type = NLA_U32, },
	[IDCSTAT_A_SWAP_RANGE_DEV] = { .type = NLA_U32, },
	[IDCSTAT_A_SWAP_RANGE_START_SECTOR] = { .type = NLA_UINT, },
	[IDCSTAT_A_SWAP_RANGE_NR_SECTORS] = { .type = NLA_UINT, },
};

const struct nla_policy idcstat_vif_nl_policy[IDCSTAT_A_VIF_MAC + 1] = {
	[IDCSTAT_A_VIF_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[IDCSTAT_A_VIF_DOMID] = NLA_POLICY_FULL_RANGE(NLA_U32, &idcstat_a_vif_domid_range),
	[IDCSTAT_A_VIF_DEVID] = { .type = NLA_U32, },
	[IDCSTAT_A_VIF_GENERATION] = { .type = NLA_U32, },
	[IDCSTAT_A_VIF_MAC] = NLA_POLICY_EXACT_LEN(6),
};

/* IDCSTAT_CMD_DOMAIN_GET - do */
static const struct nla_policy idcstat_domain_get_nl_policy[IDCSTAT_A_DOMAIN_GENERATION + 1] = {
	[IDCSTAT_A_DOMAIN_DOMID] = NLA_POLICY_FULL_RANGE(NLA_U32, &idcstat_a_domain_domid_range),
	[IDCSTAT_A_DOMAIN_GENERATION] = { .type = NLA_U32, },
};

/* IDCSTAT_CMD_PEER_GET - dump */
static const struct nla_policy idcstat_peer_get_nl_policy[IDCSTAT_A_PEER_TABLE + 1] = {
	[IDCSTAT_A_PEER_DOMID] = NLA_POLICY_FULL_RANGE(NLA_U32, &idcstat_a_peer_domid_range),
	[IDCSTAT_A_PEER_GENERATION] = { .type = NLA_U32, },
	[IDCSTAT_A_PEER_TABLE] = NLA_POLICY_MAX(NLA_U32, 3),
};

/* IDCSTAT_CMD_CONFIG_SET - do */
static const struct nla_policy idcstat_config_set_nl_policy[IDCSTAT_A_CONFIG_CLEAR + 1] = {
	[IDCSTAT_A_CONFIG_CLUSTER_PREFIX] = NLA_POLICY_NESTED(idcstat_address_nl_policy),
	[IDCSTAT_A_CONFIG_HOST_ADDR] = NLA_POLICY_NESTED(idcstat_address_nl_policy),
	[IDCSTAT_A_CONFIG_UPLINK_IFINDEX] = { .type = NLA_U32, },
	[IDCSTAT_A_CONFIG_VIF] = NLA_POLICY_NESTED(idcstat_vif_nl_policy),
	[IDCSTAT_A_CONFIG_SWAP_RANGE] = NLA_POLICY_NESTED(idcstat_swap_range_nl_policy),
	[IDCSTAT_A_CONFIG_CLEAR] = NLA_POLICY_MASK(NLA_U32, 0x1f),
};

/* IDCSTAT_CMD_DEPARTED_ACK - do */
static const struct nla_policy idcstat_departed_ack_nl_policy[IDCSTAT_A_DOMAIN_GENERATION + 1] = {
	[IDCSTAT_A_DOMAIN_DOMID] = NLA_POLICY_FULL_RANGE(NLA_U32, &idcstat_a_domain_domid_range),
	[IDCSTAT_A_DOMAIN_GENERATION] = { .type = NLA_U32, },
};

/* Ops table for idcstat */
static const struct genl_split_ops idcstat_nl_ops[] = {
	{
		.cmd		= IDCSTAT_CMD_DOMAIN_GET,
		.doit		= idcstat_nl_domain_get_doit,
		.policy		= idcstat_domain_get_nl_policy,
		.maxattr	= IDCSTAT_A_DOMAIN_GENERATION,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= IDCSTAT_CMD_DOMAIN_GET,
		.dumpit	= idcstat_nl_domain_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= IDCSTAT_CMD_PEER_GET,
		.dumpit		= idcstat_nl_peer_get_dumpit,
		.policy		= idcstat_peer_get_nl_policy,
		.maxattr	= IDCSTAT_A_PEER_TABLE,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= IDCSTAT_CMD_CONFIG_GET,
		.doit	= idcstat_nl_config_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= IDCSTAT_CMD_CONFIG_SET,
		.doit		= idcstat_nl_config_set_doit,
		.policy		= idcstat_config_set_nl_policy,
		.maxattr	= IDCSTAT_A_CONFIG_CLEAR,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= IDCSTAT_CMD_DEPARTED_ACK,
		.doit		= idcstat_nl_departed_ack_doit,
		.policy		= idcstat_departed_ack_nl_policy,
		.maxattr	= IDCSTAT_A_DOMAIN_GENERATION,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= IDCSTAT_CMD_RESET,
		.doit	= idcstat_nl_reset_doit,
		.flags	= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group idcstat_nl_mcgrps[] = {
	[IDCSTAT_NLGRP_EVENTS] = { "events", },
};

struct genl_family idcstat_nl_family __ro_after_init = {
	.name		= IDCSTAT_FAMILY_NAME,
	.version	= IDCSTAT_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= idcstat_nl_ops,
	.n_split_ops	= ARRAY_SIZE(idcstat_nl_ops),
	.mcgrps		= idcstat_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(idcstat_nl_mcgrps),
};
