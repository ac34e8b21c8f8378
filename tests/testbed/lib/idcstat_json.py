#!/usr/bin/env python3
"""Pick numbers out of the YNL CLI's JSON dumps of idcstat (tests/testbed).

  idcstat_json.py domain FILE DOMID FIELD       counters.FIELD of the active domain DOMID
  idcstat_json.py peer FILE DOMID TABLE KEY FIELD
        FIELD (packets|bytes) of DOMID's entry in TABLE (itx|otx|irx|orx) whose peer is
        KEY: `dom:N` (peer-domid N) or an IPv4 address. Prints 0 when there is no entry.
"""
import ipaddress
import json
import sys


def load(path):
    with open(path) as f:
        data = json.load(f)
    return data if isinstance(data, list) else [data]


def ipv4_of(value):
    if isinstance(value, int):
        return str(ipaddress.IPv4Address(value))
    if isinstance(value, dict):  # nested address attribute set
        return ipv4_of(value.get("ipv4"))
    return str(value)


def table_name(value):
    names = ["itx", "otx", "irx", "orx"]
    return names[value] if isinstance(value, int) and value < 4 else str(value)


def domain(path, domid, field):
    for d in load(path):
        if d.get("domid") == domid and d.get("state", "active") in ("active", 0):
            return d.get("counters", {}).get(field, 0)
    return 0


def peer(path, domid, table, key, field):
    total = 0
    for p in load(path):
        if p.get("domid") != domid or table_name(p.get("table")) != table:
            continue
        if key.startswith("dom:"):
            hit = p.get("peer-domid") == int(key[4:])
        else:
            hit = "ipv4" in p and ipv4_of(p["ipv4"]) == key
        if hit:
            total += p.get(field, 0)
    return total


def main(argv):
    if len(argv) >= 5 and argv[1] == "domain":
        print(domain(argv[2], int(argv[3]), argv[4]))
    elif len(argv) >= 7 and argv[1] == "peer":
        print(peer(argv[2], int(argv[3]), argv[4], argv[5], argv[6]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
