/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	specs/idcstat.yaml */
/* YNL-GEN kernel header */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#ifndef _LINUX_IDCSTAT_GEN_H
#define _LINUX_IDCSTAT_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include "idcstat.h"

/* Common nested types */
extern const struct nla_policy idcstat_address_nl_policy[IDCSTAT_A_ADDRESS_PREFIX_LEN + 1];
extern const struct nla_policy idcstat_swap_range_nl_policy[IDCSTAT_A_SWAP_RANGE_NR_SECTORS + 1];
extern const struct nla_policy idcstat_vif_nl_policy[IDCSTAT_A_VIF_MAC + 1];

int idcstat_nl_domain_get_doit(struct sk_buff *skb, struct genl_info *info);
int idcstat_nl_domain_get_dumpit(struct sk_buff *skb,
				 struct netlink_callback *cb);
int idcstat_nl_peer_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int idcstat_nl_config_get_doit(struct sk_buff *skb, struct genl_info *info);
int idcstat_nl_config_set_doit(struct sk_buff *skb, struct genl_info *info);
int idcstat_nl_departed_ack_doit(struct sk_buff *skb, struct genl_info *info);
int idcstat_nl_reset_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	IDCSTAT_NLGRP_EVENTS,
};

extern struct genl_family idcstat_nl_family;

#endif /* _LINUX_IDCSTAT_GEN_H */
