#!/usr/bin/env python3
"""Generates realistic application logs for bench/logs-speed.sh: JSON lines, logfmt or plain text,
by size (--mb) or line count (--lines). Deterministic (fixed seed)."""
import argparse
import json
import random
import sys

p = argparse.ArgumentParser()
p.add_argument("--kind", choices=["json", "logfmt", "plain"], required=True)
p.add_argument("--mb", type=int, default=0)
p.add_argument("--lines", type=int, default=0)
a = p.parse_args()
rnd = random.Random(42)
services = ["api", "auth", "billing", "search", "worker"]
paths = ["/api/v1/users/{}", "/api/v1/orders/{}", "/healthz", "/api/v1/search?q=item{}", "/static/app.{}.js"]
msgs = [
    ("info", "request served"),
    ("info", "cache hit for key user:{}"),
    ("debug", "opened connection to db-{}.internal:5432"),
    ("warn", "slow query took {} ms"),
    ("error", "ERROR upstream timeout after {} ms"),
    ("info", "job {} completed"),
]
limit = a.mb * 1_000_000 if a.mb else None
out = sys.stdout
written = 0
i = 0
buf = []
while True:
    if limit is not None and written >= limit:
        break
    if a.lines and i >= a.lines:
        break
    level, msg = msgs[rnd.randrange(len(msgs))] if rnd.random() > 0.01 else msgs[4]
    msg = msg.format(rnd.randrange(10000))
    svc = rnd.choice(services)
    ts = "2024-05-01T10:{:02d}:{:02d}.{:03d}Z".format((i // 60000) % 60, (i // 1000) % 60, i % 1000)
    path = rnd.choice(paths).format(rnd.randrange(100000))
    status = rnd.choice([200, 200, 200, 201, 204, 304, 404, 500])
    dur = round(rnd.random() * 250, 2)
    trace = "%032x" % rnd.getrandbits(128)
    if a.kind == "json":
        line = json.dumps({"time": ts, "level": level, "msg": msg, "service": svc, "method": "GET", "path": path,
                           "status": status, "duration_ms": dur, "trace_id": trace,
                           "user": {"id": rnd.randrange(5000), "region": rnd.choice(["eu", "us", "ap"])}},
                          separators=(",", ":"))
    elif a.kind == "logfmt":
        line = 'ts={} level={} msg="{}" service={} method=GET path={} status={} duration_ms={} trace_id={}'.format(
            ts, level, msg, svc, path, status, dur, trace)
    else:
        line = "{} {} [{}] {} path={} status={} duration={}ms".format(ts, level.upper(), svc, msg, path, status, dur)
    buf.append(line)
    written += len(line) + 1
    i += 1
    if len(buf) >= 10000:
        out.write("\n".join(buf) + "\n")
        buf = []
if buf:
    out.write("\n".join(buf) + "\n")
