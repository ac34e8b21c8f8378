"""Unit tests of demo_plot.py (run: python3 -m unittest discover -s tests/testbed/lib)."""

import unittest

import demo_plot


class RunsTest(unittest.TestCase):
    def test_a_silence_longer_than_the_gap_splits_the_line(self):
        pts = [(0, 0.1), (5, 0.2), (10, 0.3), (100, 0.5), (105, 0.6)]
        self.assertEqual(demo_plot.runs(pts, gap_s=20),
                         [[(0, 0.1), (5, 0.2), (10, 0.3)], [(100, 0.5), (105, 0.6)]])

    def test_regular_samples_stay_one_line(self):
        pts = [(t, 0.5) for t in range(0, 60, 5)]
        self.assertEqual(demo_plot.runs(pts, gap_s=20), [pts])
        self.assertEqual(demo_plot.runs([], gap_s=20), [])

    def test_the_chart_draws_one_polyline_per_run(self):
        svg = demo_plot.svg_chart("t", "y", [("A", [(0, 0.5), (5, 0.6), (60, 0.7)])],
                                  60, 1.0, hline=(0.85, "threshold"))
        self.assertEqual(svg.count("<polyline"), 2)


if __name__ == "__main__":
    unittest.main()
