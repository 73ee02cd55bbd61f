#!/usr/bin/env python3
"""Writes a synthetic srehub alert history (the JSON of `srehub alerts analyze --save-history`):
SERIES alert instances over 14 days at one-minute evaluations, SAMPLES firing samples each, in
episodes of random lengths; some instances flap, some alert names fire together. Deterministic."""
import argparse
import json
import random

p = argparse.ArgumentParser()
p.add_argument("--series", type=int, default=1000)
p.add_argument("--samples", type=int, default=1000)
p.add_argument("--seed", type=int, default=7)
a = p.parse_args()
rnd = random.Random(a.seed)
MIN = 60_000
start = 1_793_577_600_000  # 2026-11-02T00:00:00Z
minutes = 14 * 1440
firing = []
names = [f"Alert{n:03d}" for n in range(a.series // 4)]
# Episode start minutes per name, shared by its instances so names correlate in groups.
plans = {}
for i, name in enumerate(names):
    if i % 10 == 1:
        plans[name] = plans[names[i - 1]]  # fires with the previous alert
        continue
    plans[name] = sorted(rnd.sample(range(0, minutes - 200), 150))
for s in range(a.series):
    name = names[s % len(names)]
    flapper = s % 17 == 0
    starts = plans[name]
    out = set()
    k = 0
    while len(out) < a.samples:
        base = starts[k] if k < len(starts) else rnd.randrange(0, minutes - 200)
        k += 1
        if flapper:
            # Up two minutes, down two, eight times.
            for j in range(8):
                out.update(base + j * 4 + m for m in range(2))
        else:
            length = rnd.choice([2, 3, 5, 8, 15, 30, 60])
            out.update(base + m for m in range(length))
    out = sorted(out)[: a.samples]
    firing.append({
        "labels": {"alertname": name, "alertstate": "firing", "instance": f"host-{s}", "severity": "page"},
        "samples": [[start + m * MIN, 1.0] for m in out],
    })
json.dump({"start_ms": start, "end_ms": start + minutes * MIN, "firing": firing, "pending": []},
          open(1, "w"), separators=(",", ":"))
