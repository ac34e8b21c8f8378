# shellcheck shell=bash
# Issue 8, test 2: the kernel's own YNL CLI (tools/net/ynl of the kernel source, with the
# spec from uapi/) talks to idcstat on a testbed host: config-get answers with our ABI
# version, and a domain dump lists the guests that run there.

tc_ynl_cli() {
    local name=ynl-cli
    [[ ${TT_MODULE:-0} == 1 ]] || { tt_skip "$name" "idcstat.ko was not built or did not load"; return 0; }
    [[ -d $TB_STATE/share/ynl ]] || { tt_skip "$name" "no YNL CLI staged (needs the linux source of scripts/setup)"; return 0; }
    local want got
    want=$(awk '/name: abi-version/ {f=1} f && /value:/ {print $2; exit}' "$TESTBED_REPO/uapi/idcstat.yaml")
    got=$(ynl A --do config-get 2>> "$TT_LOG" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("abi-version"))')
    tt_eq "$name" "config-get abi-version" "$got" "$want"
    [[ ${TT_GUESTS_UP:-0} == 1 ]] || { tt_skip "$name" "guests are not up: no domains to dump"; return 0; }
    local ids listed d missing=''
    ids=$(on A 'xl list | awk "NR>2 {print \$2}"')
    listed=$(ynl A --dump domain-get 2>> "$TT_LOG" | python3 -c 'import json,sys; print(" ".join(str(d["domid"]) for d in json.load(sys.stdin)))')
    for d in $ids; do [[ " $listed " == *" $d "* ]] || missing+=" $d"; done
    if [[ -z $ids ]]; then
        tt_fail "$name" "no guests on A to look for"
    elif [[ -z $missing ]]; then
        tt_pass "$name: domain-get dump lists every guest on A ($(echo "$ids" | tr '\n' ' '))"
    else
        tt_fail "$name" "domain-get dump ($listed) misses domids:$missing"
    fi
}
