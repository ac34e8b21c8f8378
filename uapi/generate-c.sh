#!/bin/sh
# Regenerates uapi/c/ from uapi/idcstat.yaml with the kernel's ynl-gen-c.
# Usage: uapi/generate-c.sh /path/to/linux-source   (needs python3-yaml and python3-jsonschema)
# ynl_gen_c.py looks for the schema at <spec dir>/../genetlink.yaml and walks up to a
# directory holding MAINTAINERS (it loops forever without one), so the spec is staged in
# a scratch tree shaped like the kernel's.
set -eu
linux=${1:?usage: $0 /path/to/linux-source}
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/specs"
touch "$scratch/MAINTAINERS"
cp "$linux/Documentation/netlink/genetlink.yaml" "$scratch/"
cp "$here/idcstat.yaml" "$scratch/specs/"
gen="$linux/tools/net/ynl/pyynl/ynl_gen_c.py"
mkdir -p "$here/c"
python3 "$gen" --mode uapi --header --spec "$scratch/specs/idcstat.yaml" -o "$here/c/idcstat.h"
python3 "$gen" --mode kernel --header --spec "$scratch/specs/idcstat.yaml" -o "$here/c/idcstat-nl.h"
python3 "$gen" --mode kernel --source --spec "$scratch/specs/idcstat.yaml" -o "$here/c/idcstat-nl.c"
# Out of tree there is no <uapi/linux/idcstat.h>: include the generated header directly.
sed -i 's|#include <uapi/linux/idcstat.h>|#include "idcstat.h"|' "$here/c/idcstat-nl.h" "$here/c/idcstat-nl.c"
