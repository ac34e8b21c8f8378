"""Tests of scenario.py, the scenario -> testbed guests translator (no testbed needed).

Run from the repository root: python3 -m unittest tests/testbed/lib/test_scenario.py
"""

import contextlib
import io
import os
import stat
import sys
import tempfile
import tomllib
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(HERE))

import scenario  # noqa: E402  (after the path above)


def load(name: str) -> dict:
    return tomllib.loads((REPO / "scenarios" / name).read_text())


def steps_of(name: str, **kw) -> list[list[str]]:
    existing = kw.pop("existing", set())
    return scenario.plan(scenario.translate(load(name), **kw), existing)


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = scenario.main(list(argv))
    return rc, out.getvalue(), err.getvalue()


MINIMAL_HOSTS = '[[host]]\nname = "A"\n[[host]]\nname = "B"\n'


def inline(text: str) -> dict:
    return tomllib.loads('name = "t"\nduration_s = 60\n' + MINIMAL_HOSTS + text)


class DemoScenarios(unittest.TestCase):
    """The scenarios/testbed-*.toml files give exactly the guests demo.sh and case 50 make."""

    def test_demo_step_1_is_demo_sh_guests(self):
        self.assertEqual(
            steps_of("testbed-demo-hotspot.toml"),
            [
                ["create", "A", "p2", "id=6", "memory=96", "run=sink+--tcp+--port+5001"],
                ["create", "A", "p1", "id=5", "memory=96",
                 "run=stream+--tcp+--to+10.77.1.6:5001+--rate+20000"],
                ["create", "A", "l1", "id=7", "memory=256", "run=burn+--duty+100"],
                ["wait", "A", "p1"],
                ["wait", "A", "p2"],
                ["wait", "A", "l1"],
            ],
        )

    def test_demo_step_1_pair_has_no_burner(self):
        """p1 and p2 have cpu 0 in step 1 (case 50's sizes): each runs only its stream
        or sink, so no step starts a burner in them."""
        guests = scenario.translate(load("testbed-demo-hotspot.toml"))
        by = {g.name: g for g in guests}
        self.assertEqual(by["p1"].workloads,
                         [["stream", "--tcp", "--to", "10.77.1.6:5001", "--rate", "20000"]])
        self.assertEqual(by["p2"].workloads, [["sink", "--tcp", "--port", "5001"]])

    def test_case_50_keeps_earlier_guests_and_their_ids(self):
        steps = steps_of("testbed-cpu-hotspot.toml", fixed_ids={"g1": 1, "g3": 3},
                         existing={"g1", "g3"})
        self.assertEqual(steps[:2], [["place", "A", "g1"], ["place", "C", "g3"]])
        creates = [s for s in steps if s[0] == "create"]
        self.assertEqual([s[2:5] for s in creates], [["p2", "id=6", "memory=96"],
                                                     ["p1", "id=5", "memory=96"],
                                                     ["l1", "id=7", "memory=256"]])

    def test_case_50_would_create_g1_with_its_swap_ceiling(self):
        guests = scenario.translate(load("testbed-cpu-hotspot.toml"), fixed_ids={"g1": 1})
        g1 = next(g for g in guests if g.name == "g1")
        self.assertEqual(g1.create_args(), ["g1", "id=1", "memory=128", "maxmem=256"])

    def test_demo_step_2_creates_only_h1_and_moves_p2_to_l1s_host(self):
        steps = steps_of("testbed-demo-reunion.toml", fixed_ids={"h1": 9},
                         existing={"p1", "p2", "l1"})
        self.assertEqual(
            steps,
            [
                ["place", "B", "p2"],
                ["place", "A", "p1"],
                ["place", "B", "l1"],
                ["create", "A", "h1", "id=9", "memory=128", "run=burn+--duty+30"],
                ["wait", "A", "h1"],
                ["start", "A", "p1", "workload burn --duty 20"],
            ],
        )

    def test_demo_step_2_leaves_c_empty(self):
        guests = scenario.translate(load("testbed-demo-reunion.toml"), fixed_ids={"h1": 9})
        self.assertEqual(sorted((g.host, g.name) for g in guests),
                         [("A", "h1"), ("A", "p1"), ("B", "l1"), ("B", "p2")])

    def test_demo_step_2_starts_nothing_in_the_idle_l1_and_p2(self):
        """l1 (demo.sh stops its step-1 burner) and p2 (the sink only) have cpu 0 in
        step 2: scenario.py gives l1 no workload and p2 only its sink, so no step starts
        anything in them, as old guests or as new ones."""
        guests = scenario.translate(load("testbed-demo-reunion.toml"), fixed_ids={"h1": 9})
        by = {g.name: g for g in guests}
        self.assertEqual(by["l1"].workloads, [])
        self.assertEqual(by["l1"].create_args(), ["l1", "id=7", "memory=256"])
        self.assertEqual(by["p2"].workloads, [["sink", "--tcp", "--port", "5001"]])
        for existing in ({"p1", "p2", "l1"}, {"p1", "p2"}, set()):
            steps = scenario.plan(guests, existing)
            self.assertEqual([s for s in steps if s[0] == "start" and s[2] in ("l1", "p2")],
                             [], existing)

    def test_case_60_is_case_60_sh_guests(self):
        """Case 60 creates p1, p2 and h1 afresh (the same tb-guest arguments and p1's
        20 % burn as 60-reunion-destination.sh: h1 128 MiB burning 30 %); g1 and g3 are
        left from earlier cases."""
        steps = steps_of("testbed-reunion-destination.toml",
                         fixed_ids={"g1": 1, "g3": 3, "p1": 5, "p2": 6, "h1": 9},
                         existing={"g1", "g3"})
        self.assertEqual(
            steps,
            [
                ["place", "A", "g1"],
                ["place", "C", "g3"],
                ["create", "B", "p2", "id=6", "memory=320", "run=sink+--tcp+--port+5001"],
                ["create", "A", "p1", "id=5", "memory=96",
                 "run=stream+--tcp+--to+10.77.1.6:5001+--rate+20000"],
                ["create", "A", "h1", "id=9", "memory=128", "run=burn+--duty+30"],
                ["wait", "A", "p1"],
                ["wait", "B", "p2"],
                ["wait", "A", "h1"],
                ["start", "A", "p1", "workload burn --duty 20"],
            ],
        )

    def test_host_map_swaps_b_and_c(self):
        """When step 1 sent l1 to C, p2 goes to C too: to l1's host, not the other one."""
        steps = steps_of("testbed-demo-reunion.toml", fixed_ids={"h1": 9},
                         existing={"p1", "p2", "l1"}, host_map={"B": "C", "C": "B"})
        self.assertIn(["place", "C", "p2"], steps)
        self.assertIn(["place", "C", "l1"], steps)
        self.assertIn(["place", "A", "p1"], steps)
        self.assertEqual(steps[-1], ["start", "A", "p1", "workload burn --duty 20"])


class Translation(unittest.TestCase):
    def test_reply_flow_and_matrix_give_streams_and_one_sink_per_receiver(self):
        guests = scenario.translate(inline(
            '[[vm]]\nname = "a"\nhost = "A"\nmemory_mib = 96\n'
            '[[vm]]\nname = "b"\nhost = "B"\nmemory_mib = 96\n'
            '[[vm]]\nname = "c"\nhost = "B"\nmemory_mib = 96\n'
            '[[flow]]\nfrom = "a"\nto = "b"\nmbps = 8\nreply_mbps = 0.8\n'
            '[[matrix]]\nvms = ["c", "b"]\nmbps = [[0, 16], [0, 0]]\nscale = 0.5\n'
        ))
        by = {g.name: g for g in guests}
        self.assertEqual(sorted(by["b"].workloads), sorted([
            ["sink", "--tcp", "--port", "5001"],
            ["stream", "--tcp", "--to", "10.77.1.5:5001", "--rate", "100000"],
        ]))
        self.assertEqual(by["a"].ordered_workloads(), [
            ["sink", "--tcp", "--port", "5001"],
            ["stream", "--tcp", "--to", "10.77.1.6:5001", "--rate", "1000000"],
        ])
        self.assertEqual(by["c"].workloads,
                         [["stream", "--tcp", "--to", "10.77.1.6:5001", "--rate", "1000000"]])
        # Receivers first: a and b have sinks, c only sends.
        self.assertEqual([g.name for g in guests], ["a", "b", "c"])

    def test_working_set_becomes_touch_with_a_swap_disk(self):
        (g,) = scenario.translate(inline(
            '[[vm]]\nname = "s"\nhost = "A"\nmemory_mib = 128\nmax_memory_mib = 256\n'
            'working_set_mib = { kind = "constant", value = 200 }\ncpu = 0.1\n'
        ))
        self.assertEqual(g.create_args(),
                         ["s", "id=5", "memory=128", "maxmem=256", "swap=1", "run=touch+--mib+200"])
        self.assertEqual(scenario.plan([g], set())[-1], ["start", "A", "s", "workload burn --duty 10"])

    def test_duty_overrides_the_burner_setting_only(self):
        text = ('[[vm]]\nname = "v"\nhost = "A"\nmemory_mib = 96\ncpu = 0.2\n'
                '[[vm]]\nname = "w"\nhost = "A"\nmemory_mib = 96\ncpu = 0.3\n')
        guests = {g.name: g for g in scenario.translate(inline(text), duties={"v": 40})}
        self.assertEqual(guests["v"].workloads, [["burn", "--duty", "40"]])
        self.assertEqual(guests["w"].workloads, [["burn", "--duty", "30"]])
        with self.assertRaisesRegex(scenario.ScenarioError, "--duty names unknown vms: zz"):
            scenario.translate(inline(text), duties={"zz": 10})
        with self.assertRaisesRegex(scenario.ScenarioError, "0..100"):
            scenario.translate(inline(text), duties={"v": 101})
        rc, out, _ = run_main(str(REPO / "scenarios/testbed-demo-reunion.toml"), "--plan",
                              "--id", "h1=9", "--existing", "p1,p2,l1", "--duty", "p1=40,h1=60")
        self.assertEqual(rc, 0)
        self.assertIn("create\tA\th1\tid=9\tmemory=128\trun=burn+--duty+60", out.splitlines())
        rc, _, err = run_main(str(REPO / "scenarios/testbed-demo-reunion.toml"), "--plan",
                              "--duty", "p1=x")
        self.assertEqual(rc, 1)
        self.assertIn("--duty p1=x: not a number", err)

    def test_ids_skip_the_fixed_ones(self):
        ids = scenario.assign_ids(["a", "b", "c"], {"b": 5}, 5)
        self.assertEqual(ids, {"a": 6, "b": 5, "c": 7})

    def test_refusals_name_the_reason(self):
        cases = {
            'cpu = { kind = "step", before = 0.1, after = 0.9, at_s = 30 }': "'step' series",
            "external_tx_mbps = 5": "no external clients",
            "cpu = 1.5": "one vCPU",
        }
        for extra, why in cases.items():
            with self.subTest(extra=extra), self.assertRaisesRegex(scenario.ScenarioError, why):
                scenario.translate(inline(
                    f'[[vm]]\nname = "v"\nhost = "A"\nmemory_mib = 96\n{extra}\n'))
        with self.assertRaisesRegex(scenario.ScenarioError, "at least 96"):
            scenario.translate(inline('[[vm]]\nname = "v"\nhost = "A"\nmemory_mib = 64\n'))
        with self.assertRaisesRegex(scenario.ScenarioError, "same id"):
            scenario.assign_ids(["a", "b"], {"a": 5, "b": 5}, 5)
        with self.assertRaisesRegex(scenario.ScenarioError, "unknown vms: zz"):
            steps_of("testbed-demo-hotspot.toml", existing={"zz"})
        with self.assertRaisesRegex(scenario.ScenarioError, "--net"):
            scenario.translate(load("testbed-demo-hotspot.toml"), net="10.77.1; rm")


class CommandLine(unittest.TestCase):
    def test_dry_run_prints_the_commands(self):
        rc, out, _ = run_main(str(REPO / "scenarios/testbed-demo-hotspot.toml"), "--dry-run")
        self.assertEqual(rc, 0)
        lines = out.splitlines()
        self.assertEqual(lines[0], "scripts/testbed guest A create p2 id=6 memory=96 "
                                   "run=sink+--tcp+--port+5001")
        self.assertEqual(lines[-1], "scripts/testbed guest A wait l1")
        rc, out, _ = run_main(str(REPO / "scenarios/testbed-demo-reunion.toml"), "--dry-run",
                              "--id", "h1=9", "--existing", "p1,p2,l1")
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[-1], "scripts/testbed run A "
                         "\"tb-guest ctl p1 'workload burn --duty 20 > /dev/null 2>&1 &'\"")

    def test_plan_is_tab_separated(self):
        rc, out, _ = run_main(str(REPO / "scenarios/testbed-demo-reunion.toml"), "--plan",
                              "--id", "h1=9", "--existing", "p1,p2,l1")
        self.assertEqual(rc, 0)
        self.assertIn("create\tA\th1\tid=9\tmemory=128\trun=burn+--duty+30", out.splitlines())

    def test_errors_exit_1_with_a_message(self):
        rc, out, err = run_main(str(REPO / "scenarios/group-vs-lone.toml"), "--dry-run")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("vm web: external_tx_mbps", err)
        rc, _, err = run_main("/nonexistent.toml", "--plan")
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent.toml", err)

    def test_execution_goes_through_scripts_testbed(self):
        """Without --dry-run/--plan the steps run through a stand-in scripts/testbed that
        logs its arguments; p2 'runs' on A, so placing it on B migrates it."""
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp, "calls")
            fake = Path(tmp, "testbed")
            fake.write_text(
                "#!/bin/sh\n"
                f"printf '%s|' \"$@\" >> {log}; echo >> {log}\n"
                # `run HOST xl domid NAME`: only p2 on A and p1 on A answer.
                'case "$1 $2 $3" in "run A xl domid p2"|"run A xl domid p1") exit 0 ;;'
                ' "run "?" xl domid "*) exit 1 ;; esac\n'
            )
            fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
            rc, _, err = run_main(str(REPO / "scenarios/testbed-demo-reunion.toml"),
                                  "--id", "h1=9", "--existing", "p1,p2",
                                  "--testbed", str(fake))
            calls = log.read_text().splitlines()
        # l1 is not existing, so it is created on B.
        self.assertEqual(rc, 0, err)
        self.assertIn("run|B|tb-migrate-plain listen|", calls)
        self.assertIn("run|A|xl migrate -s /share/lib/tb-migrate-plain p2 B|", calls)
        self.assertNotIn("run|A|xl migrate -s /share/lib/tb-migrate-plain p1 A|", calls)
        # It idles in step 2 (cpu 0): no run=.
        self.assertIn("guest|B|create|l1|id=7|memory=256|", calls)
        self.assertIn("guest|A|wait|h1|", calls)
        self.assertEqual(calls[-1],
                         "run|A|tb-guest ctl p1 'workload burn --duty 20 > /dev/null 2>&1 &'|")

    def test_execution_stops_at_the_first_failure(self):
        with tempfile.TemporaryDirectory() as tmp:
            fake = Path(tmp, "testbed")
            fake.write_text("#!/bin/sh\nexit 3\n")
            fake.chmod(0o755)
            rc, _, err = run_main(str(REPO / "scenarios/testbed-demo-hotspot.toml"),
                                  "--testbed", str(fake))
        self.assertEqual(rc, 1)
        self.assertIn("failed (exit 3)", err)
        self.assertIn("guest A create p2", err)


if __name__ == "__main__":
    os.chdir(REPO)
    unittest.main()
