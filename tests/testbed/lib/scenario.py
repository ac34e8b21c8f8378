#!/usr/bin/env python3
"""Turn a simulator scenario (scenarios/*.toml, docs/scenarios.md) into testbed guests.

Each VM becomes a `tb-guest create NAME id=K memory=MiB [maxmem=MiB] [swap=1]
[run=WORD+WORD...]` on its host, and its demands become `workload` commands in the
guest (tests/testbed/workload):

  cpu = C                      workload burn --duty round(100*C)        (one vCPU: C <= 1)
  [[flow]] from=a to=b mbps=M  in a: workload stream --tcp --to 10.77.1.<id of b>:5001
                                      --rate round(M*1e6/8)            (bytes/s)
                               in b: workload sink --tcp --port 5001   (one per receiver)
  reply_mbps = R               the same from b to a
  [[matrix]]                   one flow per non-zero entry, times a constant scale
  working_set_mib = W          workload touch --mib W, and swap=1 (a swap disk)

--duty NAME=D sets NAME's burner duty directly. Under QEMU TCG a burner gets less CPU
than its duty (a duty of 30 read 0.19 of an unsaturated host; docs/testbed.md), so a
testbed scenario states in `cpu` what the guest is meant to read, for the simulator, and
the testbed passes the duty that gave that reading.

Only constant series translate: the testbed runs fixed workloads, so write one scenario
per step. External traffic (external_tx/rx_mbps) has no testbed counterpart and is refused.

The first workload of a guest goes in run= (started at boot, in the order sink, stream,
touch, burn: receivers listen before senders connect), the others are started through the
guest's command server once every guest answers. Guests with a sink are created first.

Guest ids (the address 10.77.1.<id>) are given with --id NAME=K; the others get the free
ids from --first-id (default 5) in file order. --existing names guests that already run
(from an earlier step): they are not created, only placed on their host (plain
`xl migrate` if they run elsewhere), and their first workload is taken to be running
since their boot. --host-map renames hosts (B=C,C=B swaps two).

Output modes:
  --dry-run   print the commands, as they would be typed on the outer machine
  --plan      print one tab-separated step per line, for a shell loop:
                create HOST NAME ARG...   (tb-guest create arguments)
                place  HOST NAME          (NAME must run on HOST)
                wait   HOST NAME          (tb-guest wait)
                start  HOST NAME WORDS    (run `WORDS` in the guest, in the background)
  (neither)   run them through scripts/testbed (or --testbed PATH)

Example:
  tests/testbed/lib/scenario.py scenarios/testbed-demo-hotspot.toml --dry-run
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

# tb-guest's limits (scripts/testbed.d/dom0/tb-guest).
MIN_MEMORY_MIB = 96
MAX_ID = 250
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
DEFAULT_PORT = 5001
DEFAULT_NET = "10.77.1"
DEFAULT_FIRST_ID = 5
# Sink first (a stream does not retry its connect), burn last.
WORKLOAD_ORDER = ("sink", "stream", "touch", "burn")


class ScenarioError(Exception):
    """A scenario the testbed cannot run, with the reason."""


@dataclass
class Guest:
    """One testbed guest: where it runs and what it runs."""

    name: str
    host: str
    guest_id: int
    memory_mib: int
    max_memory_mib: int
    swap: bool = False
    # Position in the scenario's [[vm]] list: waits and started workloads follow it.
    file_index: int = 0
    # Each workload is the argument list of `workload` (e.g. ["burn", "--duty", "40"]).
    workloads: list[list[str]] = field(default_factory=list)

    def ordered_workloads(self) -> list[list[str]]:
        return sorted(self.workloads, key=lambda w: WORKLOAD_ORDER.index(w[0]))

    def create_args(self) -> list[str]:
        """The arguments of `tb-guest create`."""
        args = [self.name, f"id={self.guest_id}", f"memory={self.memory_mib}"]
        if self.max_memory_mib != self.memory_mib:
            args.append(f"maxmem={self.max_memory_mib}")
        if self.swap:
            args.append("swap=1")
        ordered = self.ordered_workloads()
        if ordered:
            args.append("run=" + "+".join(ordered[0]))
        return args


def constant(value, where: str) -> float:
    """The value of a constant series (a number or {kind = "constant"}), else an error."""
    if isinstance(value, bool):
        raise ScenarioError(f"{where}: expected a number")
    if isinstance(value, (int, float)):
        return max(float(value), 0.0)
    if isinstance(value, dict) and value.get("kind") == "constant" and "value" in value:
        return constant(value["value"], where)
    kind = value.get("kind") if isinstance(value, dict) else type(value).__name__
    raise ScenarioError(
        f"{where}: a {kind!r} series; the testbed runs constant workloads "
        "(write one scenario per step)"
    )


def parse_assignments(text: str | None, what: str) -> dict[str, str]:
    """'a=1,b=2' -> {'a': '1', 'b': '2'}."""
    out: dict[str, str] = {}
    for item in filter(None, (text or "").split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key or not value:
            raise ScenarioError(f"{what}: {item!r} is not NAME=VALUE")
        out[key.strip()] = value.strip()
    return out


def flows_of(scenario: dict) -> list[tuple[str, str, float, str]]:
    """Every directed flow (from, to, Mb/s, where) with a rate above zero."""
    flows = []
    for i, f in enumerate(scenario.get("flow", [])):
        where = f"flow {i} ({f.get('from')} -> {f.get('to')})"
        flows.append((f["from"], f["to"], constant(f["mbps"], f"{where}: mbps"), where))
        if "reply_mbps" in f:
            flows.append(
                (f["to"], f["from"], constant(f["reply_mbps"], f"{where}: reply_mbps"), where)
            )
    for i, m in enumerate(scenario.get("matrix", [])):
        scale = constant(m["scale"], f"matrix {i}: scale") if "scale" in m else 1.0
        names = m["vms"]
        for r, row in enumerate(m["mbps"]):
            for c, mbps in enumerate(row):
                if r != c:
                    flows.append((names[r], names[c], float(mbps) * scale, f"matrix {i}"))
    return [f for f in flows if f[2] > 0.0]


def assign_ids(names: list[str], fixed: dict[str, int], first_id: int) -> dict[str, int]:
    """--id values as given, the rest the free ids from first_id in file order."""
    taken = set(fixed.values())
    if len(taken) != len(fixed):
        raise ScenarioError("--id gives two guests the same id")
    ids = dict(fixed)
    next_id = first_id
    for name in names:
        if name in ids:
            continue
        while next_id in taken:
            next_id += 1
        ids[name] = next_id
        taken.add(next_id)
    for name, guest_id in ids.items():
        if not 1 <= guest_id <= MAX_ID:
            raise ScenarioError(f"{name}: id {guest_id} outside 1..{MAX_ID} (tb-guest)")
    return ids


def translate(
    scenario: dict,
    fixed_ids: dict[str, int] | None = None,
    first_id: int = DEFAULT_FIRST_ID,
    host_map: dict[str, str] | None = None,
    net: str = DEFAULT_NET,
    port: int = DEFAULT_PORT,
    duties: dict[str, int] | None = None,
) -> list[Guest]:
    """The guests of a parsed scenario, in creation order (receivers first)."""
    host_map = host_map or {}
    if not re.fullmatch(r"\d{1,3}\.\d{1,3}\.\d{1,3}", net):
        raise ScenarioError(f"--net {net!r}: expected three numbers, like {DEFAULT_NET}")
    hosts = {h["name"] for h in scenario.get("host", [])}
    for host in hosts | set(host_map.values()):
        if not NAME_RE.match(host):
            raise ScenarioError(f"host {host!r}: not a usable testbed host name")
    vms = scenario.get("vm", [])
    names = [vm["name"] for vm in vms]
    for name in names:
        if not NAME_RE.match(name):
            raise ScenarioError(f"vm {name!r}: not a usable guest name (letters, digits, _ . -)")
    unknown = sorted(set(fixed_ids or {}) - set(names))
    if unknown:
        raise ScenarioError(f"--id names unknown vms: {', '.join(unknown)}")
    unknown = sorted(set(duties or {}) - set(names))
    if unknown:
        raise ScenarioError(f"--duty names unknown vms: {', '.join(unknown)}")
    ids = assign_ids(names, fixed_ids or {}, first_id)
    guests: dict[str, Guest] = {}
    for vm in vms:
        name = vm["name"]
        if vm["host"] not in hosts:
            raise ScenarioError(f"vm {name}: unknown host {vm['host']!r}")
        memory = int(vm["memory_mib"])
        if memory < MIN_MEMORY_MIB:
            raise ScenarioError(
                f"vm {name}: memory_mib = {memory}; tb-guest needs at least {MIN_MEMORY_MIB}"
            )
        for key in ("external_tx_mbps", "external_rx_mbps"):
            if key in vm and constant(vm[key], f"vm {name}: {key}") > 0.0:
                raise ScenarioError(f"vm {name}: {key}: the testbed has no external clients")
        guest = Guest(
            name=name,
            host=host_map.get(vm["host"], vm["host"]),
            guest_id=ids[name],
            memory_mib=memory,
            max_memory_mib=int(vm.get("max_memory_mib", memory)),
            file_index=len(guests),
        )
        cpu = constant(vm.get("cpu", 0), f"vm {name}: cpu")
        if cpu > 1.0:
            raise ScenarioError(f"vm {name}: cpu = {cpu}: a testbed guest has one vCPU")
        duty = (duties or {}).get(name, round(cpu * 100))
        if not 0 <= duty <= 100:
            raise ScenarioError(f"--duty {name}={duty}: a duty is 0..100 (%)")
        if duty > 0:
            guest.workloads.append(["burn", "--duty", str(duty)])
        working_set = constant(vm.get("working_set_mib", 0), f"vm {name}: working_set_mib")
        if working_set > 0:
            guest.swap = True
            guest.workloads.append(["touch", "--mib", str(round(working_set))])
        guests[name] = guest
    for src, dst, mbps, where in flows_of(scenario):
        for end in (src, dst):
            if end not in guests:
                raise ScenarioError(f"{where}: unknown vm {end!r}")
        rate = round(mbps * 1_000_000 / 8)
        guests[src].workloads.append(
            ["stream", "--tcp", "--to", f"{net}.{ids[dst]}:{port}", "--rate", str(rate)]
        )
        sink = ["sink", "--tcp", "--port", str(port)]
        if sink not in guests[dst].workloads:
            guests[dst].workloads.append(sink)
    receivers = [g for g in guests.values() if any(w[0] == "sink" for w in g.workloads)]
    others = [g for g in guests.values() if g not in receivers]
    return receivers + others


def plan(guests: list[Guest], existing: set[str]) -> list[list[str]]:
    """The steps that bring the testbed to the scenario's state."""
    unknown = sorted(existing - {g.name for g in guests})
    if unknown:
        raise ScenarioError(f"--existing names unknown vms: {', '.join(unknown)}")
    steps: list[list[str]] = []
    new = [g for g in guests if g.name not in existing]
    steps += [["place", g.host, g.name] for g in guests if g.name in existing]
    steps += [["create", g.host, *g.create_args()] for g in new]
    in_file_order = sorted(guests, key=lambda g: g.file_index)
    steps += [["wait", g.host, g.name] for g in in_file_order if g.name not in existing]
    for g in in_file_order:
        # The first workload started at boot (run=), for old guests too.
        for w in g.ordered_workloads()[1:]:
            steps.append(["start", g.host, g.name, " ".join(["workload", *w])])
    return steps


def guest_shell(words: str) -> str:
    """The shell line the guest's command server runs for a `start` step."""
    return f"{words} > /dev/null 2>&1 &"


def dom0_ctl(name: str, words: str) -> str:
    """The dom0 command that runs a `start` step's words in guest `name` (quoted once,
    so that the redirection and `&` act in the guest, as tt_gsh does)."""
    return f"tb-guest ctl {name} '{guest_shell(words)}'"


def dry_run_lines(steps: list[list[str]], testbed: str = "scripts/testbed") -> list[str]:
    """The steps as commands typed on the outer machine."""
    lines = []
    for step in steps:
        kind, host, name = step[0], step[1], step[2]
        if kind == "create":
            lines.append(shlex.join([testbed, "guest", host, "create", *step[2:]]))
        elif kind == "wait":
            lines.append(shlex.join([testbed, "guest", host, "wait", name]))
        elif kind == "start":
            # Double quotes read better than shlex's; the line holds no " $ ` or \.
            lines.append(f'{shlex.quote(testbed)} run {host} "{dom0_ctl(name, step[3])}"')
        elif kind == "place":
            lines.append(
                f"# {name} already runs and must be on {host}; if it runs on SRC: "
                f"{testbed} run {host} tb-migrate-plain listen && "
                f"{testbed} run SRC xl migrate -s /share/lib/tb-migrate-plain {name} {host}"
            )
    return lines


def execute(steps: list[list[str]], hosts: list[str], testbed: str) -> None:
    """Run the steps through scripts/testbed; stops at the first failure."""

    def call(*args: str, check: bool = True) -> int:
        print("+", shlex.join([testbed, *args]), file=sys.stderr)
        rc = subprocess.run([testbed, *args], check=False).returncode
        if check and rc != 0:
            raise ScenarioError(f"{shlex.join([testbed, *args])} failed (exit {rc})")
        return rc

    for step in steps:
        kind, host, name = step[0], step[1], step[2]
        if kind == "create":
            call("guest", host, "create", *step[2:])
        elif kind == "wait":
            call("guest", host, "wait", name)
        elif kind == "start":
            call("run", host, dom0_ctl(name, step[3]))
        elif kind == "place":
            where = [
                h
                for h in hosts
                if subprocess.run(
                    [testbed, "run", h, f"xl domid {name}"],
                    check=False,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                ).returncode
                == 0
            ]
            if not where:
                raise ScenarioError(f"{name} runs on no host ({', '.join(hosts)})")
            if where[0] != host:
                call("run", host, "tb-migrate-plain listen")
                call("run", where[0], f"xl migrate -s /share/lib/tb-migrate-plain {name} {host}")


def main(argv: list[str] | None = None) -> int:
    doc = __doc__ or ""
    ap = argparse.ArgumentParser(
        description=doc.split("\n\n", 1)[0],
        epilog=doc.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("scenario", type=Path, help="a scenario TOML file (docs/scenarios.md)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    mode.add_argument("--plan", action="store_true", help="print tab-separated steps")
    ap.add_argument("--id", action="append", default=[], metavar="NAME=K",
                    help="guest id (address 10.77.1.K); repeatable or comma-separated")
    ap.add_argument("--first-id", type=int, default=DEFAULT_FIRST_ID,
                    help=f"first id for guests without --id (default {DEFAULT_FIRST_ID})")
    ap.add_argument("--existing", default="", metavar="NAME,...",
                    help="guests that already run: placed, not created")
    ap.add_argument("--host-map", default="", metavar="FROM=TO,...",
                    help="rename scenario hosts (B=C,C=B swaps B and C)")
    ap.add_argument("--duty", action="append", default=[], metavar="NAME=D",
                    help="NAME's burner duty in %% instead of round(100*cpu); repeatable or comma-separated")
    ap.add_argument("--net", default=DEFAULT_NET, help=f"guest address prefix (default {DEFAULT_NET})")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT,
                    help=f"TCP port of every sink (default {DEFAULT_PORT})")
    ap.add_argument("--testbed", default=str(Path(__file__).resolve().parents[3] / "scripts/testbed"),
                    help="the scripts/testbed to run through (default: this clone's)")
    args = ap.parse_args(argv)
    try:
        try:
            scenario = tomllib.loads(args.scenario.read_text())
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ScenarioError(f"{args.scenario}: {e}") from e
        fixed: dict[str, int] = {}
        for text in args.id:
            for name, value in parse_assignments(text, "--id").items():
                if not value.isdigit():
                    raise ScenarioError(f"--id {name}={value}: not a number")
                fixed[name] = int(value)
        duties: dict[str, int] = {}
        for text in args.duty:
            for name, value in parse_assignments(text, "--duty").items():
                if not value.isdigit():
                    raise ScenarioError(f"--duty {name}={value}: not a number")
                duties[name] = int(value)
        host_map = parse_assignments(args.host_map, "--host-map")
        guests = translate(scenario, fixed, args.first_id, host_map, args.net, args.port, duties)
        existing = set(filter(None, args.existing.split(",")))
        steps = plan(guests, existing)
        if args.plan:
            for step in steps:
                print("\t".join(step))
        elif args.dry_run:
            for line in dry_run_lines(steps):
                print(line)
        else:
            hosts = [host_map.get(h["name"], h["name"]) for h in scenario.get("host", [])]
            execute(steps, hosts, args.testbed)
    except (ScenarioError, KeyError, TypeError, ValueError) as e:
        what = f"missing key {e}" if isinstance(e, KeyError) else str(e)
        print(f"scenario.py: {what}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
