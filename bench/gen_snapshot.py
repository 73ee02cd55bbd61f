#!/usr/bin/env python3
"""Writes a large synthetic `kubectl get nodes,pods,events -A -o json` List for the doctor benchmark.

    python3 bench/gen_snapshot.py --nodes 5000 --pods 100000 --events 50000 -o /tmp/big.json

Objects have the same shapes as the demo cluster's (examples/k8s_objects.py); about 2% of pods have the
demo's problems (crash loops, image pulls, OOM kills, unschedulable). Deterministic for a given --seed.
Streams item by item, so memory stays small.
"""

import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))
import k8s_objects as k  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=5000)
    ap.add_argument("--pods", type=int, default=100000)
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("-o", "--output", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    start = time.time()
    zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    namespaces = [f"team-{i:03d}" for i in range(200)]
    node_names = [f"ip-10-{i // 250}-{i % 250}-{rng.randint(1, 250)}.eu-west-1.compute.internal" for i in range(a.nodes)]
    pods_meta = []
    with open(a.output, "w", encoding="utf-8") as f:
        f.write('{\n    "apiVersion": "v1",\n    "items": [\n')
        first = True

        def emit(obj):
            nonlocal first
            if not first:
                f.write(",\n")
            first = False
            f.write(json.dumps(obj, indent=4))

        for i, name in enumerate(node_names):
            kw = {}
            r = rng.random()
            if r < 0.01:
                kw = {"ready": "Unknown", "heartbeat_age": 60 * 30}
            elif r < 0.02:
                kw = {"pressure": {"DiskPressure": True}}
            elif r < 0.03:
                kw = {"cordoned": True}
            role = "control-plane" if i < 3 else "worker"
            emit(k.node(rng, name, zones[i % 3], role=role, **kw))
        apps = [f"svc-{i:04d}" for i in range(a.pods // 20 + 1)]
        for i in range(a.pods):
            ns = namespaces[i % len(namespaces)]
            app = apps[i % len(apps)]
            rs = f"{app}-{k.rs_hash(app)}"
            name = f"{rs}-{k.suffix(rng)}"
            node = node_names[rng.randrange(3, len(node_names))] if len(node_names) > 3 else node_names[0]
            image = f"registry.example.com/{ns}/{app}:1.{rng.randint(0, 40)}.{rng.randint(0, 9)}"
            c = k.container("app", image, mem_lim="512Mi" if rng.random() > 0.05 else None)
            spec = k.pod_spec([c], node=node, sa=app)
            r = rng.random()
            if r < 0.005:
                st = k.running_status(rng, spec, ready=False, restarts=rng.randint(6, 90),
                                      waiting={"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=app"},
                                      last_state={"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": k.ts(3)}})
            elif r < 0.01:
                st = k.running_status(rng, spec, ready=False,
                                      waiting={"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'})
            elif r < 0.015:
                st = k.running_status(rng, spec, restarts=rng.randint(1, 12),
                                      last_state={"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": k.ts(20)}})
            elif r < 0.02:
                spec.pop("nodeName")
                st = {"phase": "Pending", "qosClass": "Burstable", "conditions": [k.cond("PodScheduled", "False", "Unschedulable",
                      f"0/{a.nodes} nodes are available: {a.nodes} Insufficient cpu. preemption: 0/{a.nodes} nodes are available: {a.nodes} No preemption victims found for incoming pod.", 30)]}
            else:
                st = k.running_status(rng, spec)
            labels = {"app.kubernetes.io/name": app, "pod-template-hash": k.rs_hash(app)}
            emit(k.pod(rng, name, ns, spec, st, labels=labels, owner=("ReplicaSet", rs, "apps/v1"),
                       annotations={"kubectl.kubernetes.io/restartedAt": k.ts(60 * 24)}))
            if len(pods_meta) < 20000:
                pods_meta.append((ns, name, node))
        reasons = [("Warning", "BackOff", "Back-off restarting failed container app in pod {p}"),
                   ("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503"),
                   ("Warning", "FailedScheduling", "0/5000 nodes are available: 5000 Insufficient cpu."),
                   ("Normal", "Pulled", 'Container image "registry.example.com/app:1.0.0" already present on machine'),
                   ("Normal", "Started", "Started container app"),
                   ("Normal", "Scheduled", "Successfully assigned {p} to {n}")]
        for i in range(a.events):
            ns, pname, node = pods_meta[rng.randrange(len(pods_meta))]
            type_, reason, msg = reasons[rng.randrange(len(reasons))]
            emit(k.event(rng, ns, "Pod", pname, reason, msg.format(p=f"{ns}/{pname}", n=node), type_,
                         count=rng.randint(1, 200), first_min=rng.uniform(1, 300), last_min=rng.uniform(0, 120), host=node))
        f.write('\n    ],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n')
    size = os.path.getsize(a.output)
    print(f"wrote {a.output}: {a.nodes} nodes, {a.pods} pods, {a.events} events, {size / 1e6:.0f} MB in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
