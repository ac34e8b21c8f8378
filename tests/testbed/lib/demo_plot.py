#!/usr/bin/env python3
"""Plots of a testbed demo run, from the RMN's /status snapshots (no third-party modules).

Input: JSON lines `{"t": UNIX_SECONDS, "status": <reunion status --json>}` written by the
demo's sampler in A's dom0. Output (SVG) in OUTDIR:
  host-cpu.svg      CPU utilization of every host over time (dom0 included), with the
                    hotspot threshold and the moments a domain changed host;
  pair-traffic.svg  the pair's traffic by path: IDC (same host) vs NIC (through the
                    physical network), summed over both members;
  placement.csv     time, domain, host: where every domain ran at each snapshot.
Usage: demo_plot.py STATUS.jsonl OUTDIR [--pair p1,p2] [--threshold 0.8]
"""

import argparse
import json
import os
import sys

# The sampler reads the RMN every 5 s; a longer silence is a gap, not a slope.
GAP_S = 20
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
W, H, ML, MR, MT, MB = 820, 340, 70, 150, 40, 50


def load(path):
    """The snapshots of PATH: JSON objects one after another, each spread over many
    lines (`reunion status --json` pretty-prints); a last one cut short is skipped."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    decoder, rows, pos = json.JSONDecoder(), [], 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        try:
            rec, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break  # a snapshot cut by the end of the run
        if isinstance(rec, dict) and isinstance(rec.get("status"), dict) and "t" in rec:
            rows.append(rec)
    return rows


def runs(pts, gap_s=GAP_S):
    """Split (t, v) points where snapshots are missing for more than gap_s seconds (the
    demo stops the daemons between its steps), so no line is drawn across the gap."""
    out, run = [], []
    for t, v in pts:
        if run and t - run[-1][0] > gap_s:
            out.append(run)
            run = []
        run.append((t, v))
    if run:
        out.append(run)
    return out


def svg_chart(title, ylabel, series, t_max, y_max, marks=(), hline=None):
    """series: [(label, [(t, y), ...])]; marks: [(t, text)]; hline: (y, text)."""
    pw, ph = W - ML - MR, H - MT - MB

    def x(t):
        return ML + pw * t / max(t_max, 1)

    def y(v):
        return MT + ph * (1 - min(v, y_max) / y_max)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{ML}" y1="{MT + ph}" x2="{ML + pw}" y2="{MT + ph}" stroke="black"/>',
           f'<line x1="{ML}" y1="{MT}" x2="{ML}" y2="{MT + ph}" stroke="black"/>',
           f'<text x="{ML + pw / 2}" y="{H - 12}" text-anchor="middle">time since the agents started (s)</text>',
           f'<text x="16" y="{MT + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {MT + ph / 2})">{ylabel}</text>']
    for i in range(5):
        v = y_max * i / 4
        out.append(f'<text x="{ML - 6}" y="{y(v) + 4}" text-anchor="end">{v:.3g}</text>')
        out.append(f'<line x1="{ML}" y1="{y(v)}" x2="{ML + pw}" y2="{y(v)}" stroke="#ddd"/>')
    step = max(30, int(t_max / 8 / 30 + 1) * 30)
    for t in range(0, int(t_max) + 1, step):
        out.append(f'<text x="{x(t)}" y="{MT + ph + 16}" text-anchor="middle">{t}</text>')
    if hline:
        out.append(f'<line x1="{ML}" y1="{y(hline[0])}" x2="{ML + pw}" y2="{y(hline[0])}" stroke="gray" stroke-dasharray="6 4"/>')
        out.append(f'<text x="{ML + 4}" y="{y(hline[0]) - 4}" fill="gray">{hline[1]}</text>')
    for t, text in marks:
        out.append(f'<line x1="{x(t)}" y1="{MT}" x2="{x(t)}" y2="{MT + ph}" stroke="#999" stroke-dasharray="2 3"/>')
        out.append(f'<text x="{x(t) + 3}" y="{MT + 12}" fill="#555" font-size="11">{text}</text>')
    for i, (label, pts) in enumerate(series):
        color = COLORS[i % len(COLORS)]
        for run in runs(pts):
            path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in run)
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        ly = MT + 16 + 18 * i
        out.append(f'<line x1="{ML + pw + 10}" y1="{ly}" x2="{ML + pw + 30}" y2="{ly}" stroke="{color}" stroke-width="2"/>')
        out.append(f'<text x="{ML + pw + 34}" y="{ly + 4}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("status")
    ap.add_argument("outdir")
    ap.add_argument("--pair", default="p1,p2")
    ap.add_argument("--threshold", type=float, default=0.8)
    a = ap.parse_args()
    rows = load(a.status)
    if not rows:
        print(f"demo_plot: no snapshots in {a.status}", file=sys.stderr)
        return 1
    os.makedirs(a.outdir, exist_ok=True)
    t0 = rows[0]["t"]
    t_max = rows[-1]["t"] - t0
    hosts = sorted({h["host"] for r in rows for h in r["status"].get("hosts", [])})
    cpu = {h: [] for h in hosts}
    where = {}
    marks = []
    pair = a.pair.split(",")
    idc, nic = [], []
    with open(os.path.join(a.outdir, "placement.csv"), "w", encoding="utf-8") as csv:
        csv.write("t_s,domain,host\n")
        for r in rows:
            t = r["t"] - t0
            for h in r["status"].get("hosts", []):
                if h.get("cpu") is not None:
                    cpu[h["host"]].append((t, h["cpu"]))
            i_sum = n_sum = 0.0
            for d in r["status"].get("domains", []):
                csv.write(f"{t},{d['name']},{d['host']}\n")
                if where.get(d["name"]) not in (None, d["host"]):
                    marks.append((t, f"{d['name']} {where[d['name']]}→{d['host']}"))
                where[d["name"]] = d["host"]
                if d["name"] in pair:
                    i_sum += d.get("idc_tx", 0) + d.get("idc_rx", 0)
                    n_sum += d.get("nic_tx", 0) + d.get("nic_rx", 0)
            idc.append((t, i_sum / 1e6))
            nic.append((t, n_sum / 1e6))
    with open(os.path.join(a.outdir, "host-cpu.svg"), "w", encoding="utf-8") as f:
        f.write(svg_chart("Host CPU (reported by the agents, as the RMN sees it)", "CPU utilization",
                          [(f"host {h}", cpu[h]) for h in hosts], t_max, 1.0, marks,
                          (a.threshold, f"threshold {a.threshold}")))
    top = max([v for _, v in idc + nic] + [0.1]) * 1.15
    with open(os.path.join(a.outdir, "pair-traffic.svg"), "w", encoding="utf-8") as f:
        f.write(svg_chart(f"Traffic of the pair {' + '.join(pair)} (TX+RX of both)", "MB/s",
                          [("IDC (same host)", idc), ("NIC (cross-host)", nic)], t_max, top, marks))
    print(f"demo_plot: {len(rows)} snapshots, {len(marks)} moves: {os.path.join(a.outdir, 'host-cpu.svg')}, pair-traffic.svg, placement.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main())
