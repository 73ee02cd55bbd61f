#!/usr/bin/env python3
"""The reference for `bench/alerts-speed.sh`: the same analysis as `srehub alerts analyze` for its three
costly parts (firing episodes from raw samples, Nagios flapping with hysteresis, correlation of alert
names over time buckets), written plainly in Python with the json module, the way a team would script
it. It prints the counts srehub's `--analysis-json` must match, so both do the same work."""
import json
import sys

SELF_RESOLVE_MS = 10 * 60_000
FLAP_LOW, FLAP_HIGH = 5.0, 20.0
BUCKET_MS = 5 * 60_000
MIN_JACCARD = 0.5
MIN_EPISODES = 3

h = json.load(open(sys.argv[1]))
start, end = h["start_ms"], h["end_ms"]

diffs = []
for s in h["firing"]:
    ts = [p[0] for p in s["samples"]]
    diffs.extend(b - a for a, b in zip(ts, ts[1:]) if b - a > 0)
    if len(diffs) > 1_000_000:
        break
interval = max(sorted(diffs)[len(diffs) // 2], 1000) if diffs else 60_000

instances = {}
for s in h["firing"]:
    labels = {k: v for k, v in s["labels"].items() if k not in ("__name__", "alertstate")}
    key = tuple(sorted(labels.items()))
    instances.setdefault(key, []).extend(s["samples"])


def episodes(samples):
    gap = interval + interval // 2
    out = []
    pts = [t for t, v in samples if v > 0 and v == v]
    if not pts:
        return out
    first = last = pts[0]
    for t in pts[1:]:
        if t - last > gap:
            out.append((first, last + interval, False))
            first = t
        last = t
    out.append((first, last + interval, end - last <= gap))
    return out


def flapping(eps):
    changes = []
    for (a_ms, b_ms, open_) in eps:
        a = (a_ms - start) // interval
        b = (b_ms - start) // interval
        if changes and changes[-1] == a:
            changes.pop()
        else:
            changes.append(a)
        if not open_:
            changes.append(b)
    periods, flapping_ms, max_pct, is_flapping = 0, 0, 0.0, False
    if not changes:
        return periods
    lo, p, last = 0, changes[0], changes[-1] + 20
    while p <= last:
        while lo < len(changes) and changes[lo] <= p - 20:
            lo += 1
        if lo == len(changes) or changes[lo] > p:
            is_flapping = False
            if lo < len(changes):
                p = changes[lo]
                continue
            break
        pct, k = 0.0, lo
        while k < len(changes) and changes[k] <= p:
            pct += 0.8 + 0.4 * (changes[k] - (p - 19)) / 19.0
            k += 1
        pct = pct / 20 * 100.0
        max_pct = max(max_pct, pct)
        if is_flapping:
            if pct < FLAP_LOW:
                is_flapping = False
            else:
                flapping_ms += interval
        elif pct >= FLAP_HIGH:
            is_flapping = True
            periods += 1
            flapping_ms += interval
        p += 1
    return periods


total_episodes = 0
flapping_instances = 0
per_name = {}
for key, samples in instances.items():
    samples.sort(key=lambda p: p[0])
    dedup = []
    for p in samples:
        if not dedup or dedup[-1][0] != p[0]:
            dedup.append(p)
    eps = episodes(dedup)
    if not eps:
        continue
    total_episodes += len(eps)
    if flapping(eps) > 0:
        flapping_instances += 1
    name = dict(key).get("alertname", "")
    per_name.setdefault(name, []).extend(eps)

n = (end - start) // BUCKET_MS + 1
limit = ((n + 63) // 64) * 64 - 1
names, sets = [], []
for name, eps in sorted(per_name.items()):
    if len(eps) < MIN_EPISODES:
        continue
    bits = 0
    for (a, b, _) in eps:
        lo_b = max(a - start, 0) // BUCKET_MS
        hi_b = max(b - 1 - start, 0) // BUCKET_MS
        hi_b = min(max(hi_b, lo_b), limit)
        bits |= ((1 << (hi_b - lo_b + 1)) - 1) << lo_b
    names.append(name)
    sets.append((bits, bits.bit_count()))

pairs = 0
for i in range(len(sets)):
    a, ca = sets[i]
    for j in range(i + 1, len(sets)):
        b, cb = sets[j]
        if ca == 0 or cb == 0:
            continue
        if min(ca, cb) / max(ca, cb) < MIN_JACCARD:
            continue
        inter = (a & b).bit_count()
        if inter < 3:
            continue
        if inter / (ca + cb - inter) < MIN_JACCARD:
            continue
        pairs += 1

print(json.dumps({"episodes": total_episodes, "flapping_instances": flapping_instances,
                  "correlated_pairs": pairs}))
