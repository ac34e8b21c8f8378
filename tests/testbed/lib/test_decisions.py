"""Unit tests of decisions.py, the testbed's reader of the RMN's decision log.

Run: python3 -m unittest discover -s tests/testbed/lib
"""

import contextlib
import io
import json
import os
import tempfile
import unittest

import decisions


def idc_candidate(name, verdict, cpu, nic, is_, destinations=()):
    nds = min(is_, 1.0, 0.28)
    return {
        "name": name,
        "verdict": verdict,
        "score": {
            "rule": "idc", "cpu_share": cpu, "mem_share": 0.05, "cpu_flag": True,
            "mem_flag": False, "nic": nic, "is": is_, "ab": 1.0, "nbound": 0.28,
            "nds": nds, "network_benefit": nic - nds, "volume": cpu + nic - nds,
        },
        "destinations": list(destinations),
    }


def record(policy, chosen, dest, candidates, why="p1's move alone brings the source under"):
    return {
        "id": 1, "policy": policy, "epsilon": 0.001, "why": why,
        "outcome": {"type": "migrate", "name": chosen, "destination": dest},
        "candidates": candidates,
    }


class DecisionsTest(unittest.TestCase):
    def write(self, *recs):
        fd, path = tempfile.mkstemp(suffix=".jsonl")
        with os.fdopen(fd, "w") as f:
            for r in recs:
                f.write(json.dumps(r) + "\n")
        self.addCleanup(os.unlink, path)
        return path

    def run_main(self, *argv):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            decisions.main(["decisions.py", *argv])
        return out.getvalue().splitlines()

    def test_hosts_lists_the_destinations_weighed_for_the_named_vm(self):
        dests = [
            {"host": "B", "host_volume": 2.9, "nsd": 0.016, "verdict": {"verdict": "fits"}},
            {"host": "C", "host_volume": 2.5, "nsd": 0.0, "verdict": {"verdict": "fits"}},
        ]
        path = self.write(record("idc", "p1", "B", [
            idc_candidate("h1", "outranked", 0.25, 0.0, 0.0, [dests[1]]),
            idc_candidate("p1", "chosen", 0.33, 0.016, 0.0, dests),
        ]))
        self.assertEqual(self.run_main("hosts", path, "p1"),
                         ["B 2.9 0.016 fits", "C 2.5 0.0 fits"])
        self.assertEqual(self.run_main("migrations", path), ["p1 B idc 1"])
        # A VM that was not migrated has no line.
        self.assertEqual(self.run_main("hosts", path, "h1"), [])

    def test_verify_recomputes_the_idc_volume(self):
        good = idc_candidate("p1", "chosen", 0.33, 0.016, 0.0)
        self.assertEqual(decisions.verify(self.write(record("idc", "p1", "B", [good]))), 0)
        bad = idc_candidate("p1", "chosen", 0.33, 0.016, 0.0)
        bad["score"]["volume"] = 0.5
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(decisions.verify(self.write(record("idc", "p1", "B", [bad]))), 1)

    def test_verify_flags_an_outranked_larger_score_only_where_rank_decides(self):
        cands = [idc_candidate("l1", "outranked", 0.6, 0.0, 0.0),
                 idc_candidate("p1", "chosen", 0.2, 0.0, 0.0)]
        # The "sufficient" rule may outrank a larger volume ...
        self.assertEqual(decisions.verify(self.write(record("idc", "p1", "B", cands))), 0)
        # ... but the thesis's fallback ranks by volume alone.
        fallback = record("idc", "p1", "B", cands, why="no single move brings the source under")
        with contextlib.redirect_stdout(io.StringIO()):
            self.assertEqual(decisions.verify(self.write(fallback)), 1)


if __name__ == "__main__":
    unittest.main()
