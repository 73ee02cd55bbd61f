#!/usr/bin/env python3
"""Writes examples/demo-cluster/: a realistic 24-node cluster as `kubectl get <kind> -A -o json` files.

Deterministic (seeded, fixed capture time 2026-11-20T10:00:00Z). Most of the cluster is healthy and
well configured; the problems listed in PROBLEMS.md are planted on purpose for `srehub doctor`.

    python3 examples/generate_demo_cluster.py            # rewrites examples/demo-cluster/
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import k8s_objects as k  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo-cluster")
REG = "registry.example.com"


def main():
    rng = random.Random(42)
    os.makedirs(OUT, exist_ok=True)
    zones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]

    # ------------------------------------------------------------ nodes
    nodes = []
    for i in range(1, 4):
        nodes.append(k.node(rng, f"cp-{i}", zones[i - 1], role="control-plane", cpu="2", memory_ki=8_039_804))
    workers = [f"worker-{i:02d}" for i in range(1, 22)]
    for i, name in enumerate(workers):
        kw = {}
        if name == "worker-07":
            kw = {"ready": "Unknown", "heartbeat_age": 60 * 41}
        elif name == "worker-11":
            kw = {"pressure": {"MemoryPressure": True}}
        elif name == "worker-15":
            kw = {"cordoned": True}
        elif name == "worker-18":
            kw = {"kubelet": "v1.26.15"}
        elif name == "worker-19":
            kw = {"kubelet": "v1.29.8"}
        nodes.append(k.node(rng, name, zones[i % 3], **kw))
    healthy_workers = [w for w in workers if w not in ("worker-07", "worker-15")]

    def place(i):
        return healthy_workers[i % len(healthy_workers)]

    pods, deployments, replicasets, statefulsets, daemonsets = [], [], [], [], []
    jobs, cronjobs, services, endpoints, pvcs, pvs = [], [], [], [], [], []
    events = []

    # ------------------------------------------------------------ namespaces
    ns_names = ["default", "kube-system", "kube-public", "kube-node-lease", "payments", "checkout", "monitoring", "data", "batch"]
    namespaces = []
    for n in ns_names:
        namespaces.append({"apiVersion": "v1", "kind": "Namespace",
                           "metadata": k.meta(rng, n, labels={"kubernetes.io/metadata.name": n}, created_min=60 * 24 * 120),
                           "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})

    # ------------------------------------------------------------ kube-system: static control plane
    for i in range(1, 4):
        node = f"cp-{i}"
        for comp, image, port in [("etcd", "registry.k8s.io/etcd:3.5.15-0", 2381),
                                  ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.30.4", 6443),
                                  ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.30.4", 10257),
                                  ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.30.4", 10259)]:
            c = k.container(comp, image, port=port, cpu_req="100m" if comp != "kube-apiserver" else "250m", mem_req="100Mi",
                            mem_lim=None, readiness=False, secure=False)
            c["livenessProbe"] = {"failureThreshold": 8, "httpGet": {"host": "127.0.0.1", "path": "/livez" if comp != "etcd" else "/health",
                                  "port": port, "scheme": "HTTPS" if comp != "etcd" else "HTTP"}, "initialDelaySeconds": 10,
                                  "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 15}
            spec = k.pod_spec([c], node=node, host_network=True, pod_security=False, priority_class="system-node-critical",
                              tolerations=[{"effect": "NoExecute", "operator": "Exists"}],
                              volumes=[{"hostPath": {"path": "/etc/kubernetes/pki", "type": "DirectoryOrCreate"}, "name": "k8s-certs"}])
            pods.append(k.pod(rng, f"{comp}-{node}", "kube-system", spec, k.running_status(rng, spec, started_min=60 * 24 * 12, host_ip="10.0.0.1"),
                              labels={"component": comp, "tier": "control-plane"}, owner=("Node", node, "v1"),
                              annotations={"kubernetes.io/config.source": "file"}, created_min=60 * 24 * 12))

    def add_deployment(ns, name, image, replicas=2, available=None, containers=None, spec_kw=None, labels_extra=None,
                       pod_overrides=None, progressing_ok=True, generation=4, observed=None, sa=None, running_restarts=0):
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": ns}
        if labels_extra:
            labels.update(labels_extra)
        conts = containers or [k.container("app", image)]
        spec = k.pod_spec(conts, sa=sa or name, **(spec_kw or {}))
        d = k.deployment(rng, name, ns, spec, labels, replicas=replicas, available=available, progressing_ok=progressing_ok,
                         generation=generation, observed=observed)
        deployments.append(d)
        rs = k.replicaset(rng, d)
        replicasets.append(rs)
        avail = d["status"].get("availableReplicas", 0)
        for i in range(replicas):
            pname = f"{rs['metadata']['name']}-{k.suffix(rng)}"
            node = place(rng.randint(0, 100))
            pspec = dict(spec, nodeName=node)
            if pod_overrides and i in pod_overrides:
                status, node_override = pod_overrides[i](pspec)
                if node_override is not None:
                    if node_override == "":
                        pspec.pop("nodeName", None)
                    else:
                        pspec["nodeName"] = node_override
            else:
                status = k.running_status(rng, pspec, ready=i < avail or avail == replicas, restarts=running_restarts)
            pods.append(k.pod(rng, pname, ns, pspec, status, labels=rs["spec"]["template"]["metadata"]["labels"],
                              owner=("ReplicaSet", rs["metadata"]["name"], "apps/v1")))
        return d

    # ------------------------------------------------------------ kube-system add-ons
    dns_c = k.container("coredns", "registry.k8s.io/coredns/coredns:v1.11.1", port=53, cpu_req="100m", mem_req="70Mi", mem_lim="170Mi",
                        secure={"allowPrivilegeEscalation": False, "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                                "readOnlyRootFilesystem": True})
    dns_c["livenessProbe"] = k.http_probe("/health", 8080, period=10, failure=5, initial=60)
    dns_c["readinessProbe"] = k.http_probe("/ready", 8181, period=10, failure=3)
    add_deployment("kube-system", "coredns", None, replicas=2, containers=[dns_c], labels_extra={"k8s-app": "kube-dns"},
                   spec_kw={"priority_class": "system-cluster-critical", "pod_security": False})
    ms_c = k.container("metrics-server", "registry.k8s.io/metrics-server/metrics-server:v0.7.1", port=10250, cpu_req="100m", mem_req="200Mi", mem_lim=None)
    ms_c["livenessProbe"] = k.http_probe("/livez", "https", period=10, failure=3)
    ms_c["readinessProbe"] = k.http_probe("/readyz", "https", period=10, failure=3, initial=20)
    add_deployment("kube-system", "metrics-server", None, replicas=1, containers=[ms_c], labels_extra={"k8s-app": "metrics-server"},
                   spec_kw={"priority_class": "system-cluster-critical"})

    all_nodes = [n["metadata"]["name"] for n in nodes]
    for ds_name, image, app in [("kube-proxy", "registry.k8s.io/kube-proxy:v1.30.4", "kube-proxy"),
                                ("calico-node", "docker.io/calico/node:v3.28.1", "calico-node")]:
        c = k.container(ds_name, image, port=9099 if app == "calico-node" else 10249, cpu_req="100m" if app == "kube-proxy" else "250m",
                        mem_req="64Mi", mem_lim=None, readiness=False, liveness=app == "calico-node",
                        secure={"privileged": True})
        spec = k.pod_spec([c], host_network=True, pod_security=False, priority_class="system-node-critical",
                          tolerations=[{"operator": "Exists"}],
                          volumes=[{"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
                                   {"hostPath": {"path": "/lib/modules", "type": ""}, "name": "lib-modules"}])
        labels = {"k8s-app": app}
        ds = k.daemonset(rng, ds_name, "kube-system", spec, labels, desired=len(all_nodes), unavailable=1)
        daemonsets.append(ds)
        for n in all_nodes:
            pspec = dict(spec, nodeName=n)
            if n == "worker-07":
                st = k.running_status(rng, pspec, ready=False)
                st["conditions"][2] = k.cond("Ready", "False", None, None, 38)
            else:
                st = k.running_status(rng, pspec, started_min=60 * 24 * 20)
            pods.append(k.pod(rng, f"{ds_name}-{k.suffix(rng)}", "kube-system", pspec, st,
                              labels=dict(labels, **{"controller-revision-hash": "7b8c9d6f5", "pod-template-generation": "3"}),
                              owner=("DaemonSet", ds_name, "apps/v1")))

    # ------------------------------------------------------------ payments (well configured)
    for name, rep in [("api", 3), ("ledger", 2), ("worker", 2)]:
        add_deployment("payments", name, f"{REG}/payments/{name}:2.14.{rng.randint(0, 9)}", replicas=rep)

    # CreateContainerConfigError: a missing secret key.
    def config_error(spec):
        st = k.running_status(rng, spec, ready=False, started_min=25,
                              waiting={"message": "couldn't find key password in Secret payments/db-credentials",
                                       "reason": "CreateContainerConfigError"})
        return st, None
    add_deployment("payments", "reconciler", f"{REG}/payments/reconciler:1.3.0", replicas=1, available=0,
                   pod_overrides={0: config_error})

    # ------------------------------------------------------------ checkout
    # CrashLoopBackOff in web (one of three pods), OOMKilled and restarting in cart.
    def crashloop(spec):
        st = k.running_status(rng, spec, ready=False, restarts=27, started_min=180,
                              waiting={"message": "back-off 5m0s restarting failed container=app pod=web_checkout", "reason": "CrashLoopBackOff"},
                              last_state={"terminated": {"containerID": "containerd://5d1c", "exitCode": 1, "finishedAt": k.ts(2),
                                                         "reason": "Error", "startedAt": k.ts(2.2)}})
        return st, None
    add_deployment("checkout", "web", f"{REG}/checkout/web:5.2.0", replicas=3, available=2, pod_overrides={2: crashloop})

    def oom(spec):
        st = k.running_status(rng, spec, restarts=7, started_min=240,
                              last_state={"terminated": {"containerID": "containerd://9f3a", "exitCode": 137, "finishedAt": k.ts(14),
                                                         "reason": "OOMKilled", "startedAt": k.ts(70)}})
        return st, None
    cart_c = k.container("app", f"{REG}/checkout/cart:3.8.1", mem_lim="192Mi")
    add_deployment("checkout", "cart", None, replicas=2, containers=[cart_c], pod_overrides={1: oom})

    # search: rollout stuck on a bad image tag.
    def image_pull(spec):
        st = k.running_status(rng, spec, ready=False, started_min=52,
                              waiting={"message": f'Back-off pulling image "{REG}/checkout/search:7.0.0-rc1"', "reason": "ImagePullBackOff"})
        st["containerStatuses"][0]["image"] = f"{REG}/checkout/search:7.0.0-rc1"
        return st, None
    add_deployment("checkout", "search", f"{REG}/checkout/search:7.0.0-rc1", replicas=3, available=1,
                   pod_overrides={1: image_pull, 2: image_pull}, progressing_ok=False)

    # recommendations: running but not ready (readiness failing) and restarting often.
    def not_ready(spec):
        st = k.running_status(rng, spec, ready=False, started_min=70)
        return st, None
    def restarting(spec):
        st = k.running_status(rng, spec, restarts=8, started_min=60 * 24,
                              last_state={"terminated": {"containerID": "containerd://77ab", "exitCode": 137, "finishedAt": k.ts(61),
                                                         "reason": "Error", "startedAt": k.ts(180)}})
        return st, None
    add_deployment("checkout", "recommendations", f"{REG}/checkout/recommendations:1.9.4", replicas=2, available=1,
                   pod_overrides={0: not_ready, 1: restarting})

    # ------------------------------------------------------------ monitoring (audit problems)
    graf_c = k.container("grafana", "docker.io/grafana/grafana:latest", port=3000, mem_lim=None,
                         secure={"allowPrivilegeEscalation": True, "runAsUser": 472})
    add_deployment("monitoring", "grafana", None, replicas=1, containers=[graf_c])
    probe = k.http_probe("/-/healthy", 9093, period=10, failure=3)
    am_c = k.container("alertmanager", "quay.io/prometheus/alertmanager:v0.27.0", port=9093, liveness=dict(probe), readiness=dict(probe))
    add_deployment("monitoring", "alertmanager", None, replicas=2, containers=[am_c])
    ne_c = k.container("node-exporter", "quay.io/prometheus/node-exporter", port=9100, cpu_req=None, mem_req=None, mem_lim=None,
                       liveness=False, secure={"privileged": True, "capabilities": {"add": ["SYS_ADMIN"]}})
    ne_spec = k.pod_spec([ne_c], host_network=True, host_pid=True, pod_security=False,
                         volumes=[{"hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}, "name": "docker-sock"},
                                  {"hostPath": {"path": "/proc", "type": ""}, "name": "proc"}])
    ne = k.daemonset(rng, "node-exporter", "monitoring", ne_spec, {"k8s-app": "node-exporter"}, desired=len(healthy_workers))
    daemonsets.append(ne)
    for n in healthy_workers:
        pspec = dict(ne_spec, nodeName=n)
        pods.append(k.pod(rng, f"node-exporter-{k.suffix(rng)}", "monitoring", pspec, k.running_status(rng, pspec),
                          labels={"k8s-app": "node-exporter"}, owner=("DaemonSet", "node-exporter", "apps/v1")))
    prom_c = k.container("prometheus", "quay.io/prometheus/prometheus:v2.54.1", port=9090, cpu_req="500m", mem_req="2Gi", mem_lim="4Gi")
    prom_spec = k.pod_spec([prom_c], sa="prometheus", volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data-prometheus-0"}}])
    sts = k.statefulset(rng, "prometheus", "monitoring", prom_spec, {"app.kubernetes.io/name": "prometheus"}, replicas=2, ready=2, claim="data")
    statefulsets.append(sts)
    for i in range(2):
        pspec = dict(prom_spec, nodeName=place(i + 3))
        pods.append(k.pod(rng, f"prometheus-{i}", "monitoring", pspec, k.running_status(rng, pspec),
                          labels={"app.kubernetes.io/name": "prometheus", "statefulset.kubernetes.io/pod-name": f"prometheus-{i}"},
                          owner=("StatefulSet", "prometheus", "apps/v1")))

    # ------------------------------------------------------------ data: postgres (one replica down, pending PVC), redis
    pg_c = k.container("postgres", "docker.io/library/postgres:16.4", port=5432, cpu_req="1", mem_req="4Gi", mem_lim="8Gi")
    pg_c["livenessProbe"] = {"exec": {"command": ["pg_isready", "-U", "postgres"]}, "failureThreshold": 6, "periodSeconds": 10,
                             "successThreshold": 1, "timeoutSeconds": 5}
    pg_c["readinessProbe"] = {"exec": {"command": ["psql", "-U", "postgres", "-c", "SELECT 1"]}, "failureThreshold": 3,
                              "periodSeconds": 5, "successThreshold": 1, "timeoutSeconds": 3}
    pg_spec = k.pod_spec([pg_c], sa="postgres")
    statefulsets.append(k.statefulset(rng, "postgres", "data", pg_spec, {"app.kubernetes.io/name": "postgres"}, replicas=3, ready=2, claim="pgdata"))
    for i in range(3):
        pspec = dict(pg_spec, nodeName=place(i + 7))
        pspec["volumes"] = [{"name": "pgdata", "persistentVolumeClaim": {"claimName": f"pgdata-postgres-{i}"}}] + pg_spec["volumes"]
        labels = {"app.kubernetes.io/name": "postgres", "statefulset.kubernetes.io/pod-name": f"postgres-{i}"}
        if i == 2:
            pspec.pop("nodeName")
            st = {"conditions": [k.cond("PodScheduled", "False", "Unschedulable",
                                        "0/24 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/24 nodes are available: 24 Preemption is not helpful for scheduling.", 40)],
                  "phase": "Pending", "qosClass": "Burstable"}
            pods.append(k.pod(rng, f"postgres-{i}", "data", pspec, st, labels=labels, owner=("StatefulSet", "postgres", "apps/v1"), created_min=40))
        else:
            pods.append(k.pod(rng, f"postgres-{i}", "data", pspec, k.running_status(rng, pspec), labels=labels, owner=("StatefulSet", "postgres", "apps/v1")))
    for i in range(3):
        phase = "Bound" if i < 2 else "Pending"
        pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
               "metadata": k.meta(rng, f"pgdata-postgres-{i}", "data", labels={"app.kubernetes.io/name": "postgres"}, created_min=40 if i == 2 else 60 * 24 * 60),
               "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}},
                        "storageClassName": "gp3" if i < 2 else "fast-ssd", "volumeMode": "Filesystem"},
               "status": {"phase": phase}}
        if phase == "Bound":
            pvc["spec"]["volumeName"] = f"pvc-{k.uid('pg', str(i))}"
            pvc["status"].update({"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "50Gi"}})
            pvs.append({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": k.meta(rng, pvc["spec"]["volumeName"]),
                        "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "50Gi"},
                                 "claimRef": {"kind": "PersistentVolumeClaim", "name": pvc["metadata"]["name"], "namespace": "data"},
                                 "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "gp3"},
                        "status": {"phase": "Bound"}})
        pvcs.append(pvc)
    pvcs.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                 "metadata": k.meta(rng, "data-prometheus-0", "monitoring", created_min=60 * 24 * 60),
                 "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Gi"}}, "storageClassName": "gp3",
                          "volumeMode": "Filesystem", "volumeName": "pvc-lost-0001"},
                 "status": {"phase": "Lost"}})
    redis_c = k.container("redis", "docker.io/library/redis:7.4.0", port=6379, cpu_req="250m", mem_req="512Mi", mem_lim="1Gi")
    redis_c["livenessProbe"] = {"tcpSocket": {"port": 6379}, "periodSeconds": 10, "failureThreshold": 3, "successThreshold": 1, "timeoutSeconds": 1}
    redis_c["readinessProbe"] = {"exec": {"command": ["redis-cli", "ping"]}, "periodSeconds": 5, "failureThreshold": 3, "successThreshold": 1, "timeoutSeconds": 1}
    redis_spec = k.pod_spec([redis_c], sa="redis")
    statefulsets.append(k.statefulset(rng, "redis", "data", redis_spec, {"app.kubernetes.io/name": "redis"}, replicas=1))
    pspec = dict(redis_spec, nodeName=place(11))
    pods.append(k.pod(rng, "redis-0", "data", pspec, k.running_status(rng, pspec),
                      labels={"app.kubernetes.io/name": "redis", "statefulset.kubernetes.io/pod-name": "redis-0"},
                      owner=("StatefulSet", "redis", "apps/v1")))

    # analytics: unschedulable (asks for 48Gi memory).
    def unschedulable(spec):
        return {"conditions": [k.cond("PodScheduled", "False", "Unschedulable",
                "0/24 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unschedulable: }, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 3 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 19 Insufficient memory. preemption: 0/24 nodes are available: 5 Preemption is not helpful for scheduling, 19 No preemption victims found for incoming pod.", 30)],
                "phase": "Pending", "qosClass": "Burstable"}, ""
    an_c = k.container("app", f"{REG}/data/analytics:0.9.2", cpu_req="2", mem_req="48Gi", mem_lim="48Gi")
    add_deployment("data", "analytics", None, replicas=1, available=0, containers=[an_c], pod_overrides={0: unschedulable})
    for p in pods:
        if p["metadata"]["name"].startswith("analytics-"):
            p["metadata"]["creationTimestamp"] = k.ts(30)

    # legacy: a bare pod (no controller) running as root with an untagged image and no probes or limits.
    legacy_c = k.container("legacy", "docker.io/library/nginx", port=80, cpu_req=None, mem_req=None, mem_lim=None,
                           liveness=False, readiness=False, secure=False)
    legacy_spec = k.pod_spec([legacy_c], node=place(5), pod_security=False)
    pods.append(k.pod(rng, "legacy-admin-console", "default", legacy_spec, k.running_status(rng, legacy_spec, started_min=60 * 24 * 200),
                      labels={"app": "legacy-admin-console"}, created_min=60 * 24 * 200))

    # ------------------------------------------------------------ pods on the NotReady node: one stuck terminating
    for p in pods:
        if p["metadata"]["namespace"] == "payments" and p["metadata"]["name"].startswith("ledger-"):
            p["spec"]["nodeName"] = "worker-07"
            p["metadata"]["deletionTimestamp"] = k.ts(120)
            p["metadata"]["deletionGracePeriodSeconds"] = 30
            break

    # ------------------------------------------------------------ batch: CronJobs and Jobs
    def job_obj(name, cron, failed=False, minutes_ago=60, succeeded=1):
        jc = k.container("job", f"{REG}/batch/{cron}:4.1.0", cpu_req="500m", mem_req="512Mi", mem_lim="1Gi", liveness=False, readiness=False)
        del jc["ports"]
        spec = k.pod_spec([jc], sa=cron, restart_policy="Never")
        labels = {"batch.kubernetes.io/job-name": name, "job-name": name}
        m = k.meta(rng, name, "batch", labels=labels, owner=("CronJob", cron, "batch/v1"), created_min=minutes_ago)
        m["generation"] = 1
        status = {"startTime": k.ts(minutes_ago), "uncountedTerminatedPods": {}}
        if failed:
            status.update({"failed": 7, "conditions": [
                k.cond("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", minutes_ago - 20),
                k.cond("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", minutes_ago - 20)]})
        else:
            status.update({"succeeded": succeeded, "completionTime": k.ts(minutes_ago - 5), "ready": 0, "conditions": [
                k.cond("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", minutes_ago - 5),
                k.cond("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", minutes_ago - 5)]})
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": m,
                "spec": {"backoffLimit": 6, "completionMode": "NonIndexed", "completions": 1, "parallelism": 1, "suspend": False,
                         "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": k.uid("batch", name)}},
                         "template": {"metadata": {"labels": labels}, "spec": spec}},
                "status": status}

    for cron, schedule, fail in [("nightly-report", "0 2 * * *", False), ("invoice-export", "*/30 * * * *", True)]:
        jc = k.container("job", f"{REG}/batch/{cron}:4.1.0", cpu_req="500m", mem_req="512Mi", mem_lim="1Gi", liveness=False, readiness=False)
        del jc["ports"]
        m = k.meta(rng, cron, "batch", labels={"app.kubernetes.io/name": cron}, created_min=60 * 24 * 100)
        m["generation"] = 1
        cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": m,
              "spec": {"concurrencyPolicy": "Forbid", "failedJobsHistoryLimit": 3, "schedule": schedule, "successfulJobsHistoryLimit": 3,
                       "suspend": False, "jobTemplate": {"metadata": {}, "spec": {"backoffLimit": 6, "template": {
                           "metadata": {}, "spec": k.pod_spec([jc], sa=cron, restart_policy="Never")}}}},
              "status": {"lastScheduleTime": k.ts(30 if fail else 60 * 8), "lastSuccessfulTime": k.ts(60 * 24 * 3 if fail else 60 * 8 - 5)}}
        cronjobs.append(cj)
        if fail:
            for i, ago in enumerate([90, 60]):
                jobs.append(job_obj(f"{cron}-2963{i}", cron, failed=True, minutes_ago=ago))
        else:
            jobs.append(job_obj(f"{cron}-29634", cron, minutes_ago=60 * 8))
            jp = jobs[-1]
            pspec = dict(jp["spec"]["template"]["spec"], nodeName=place(2))
            st = {"conditions": [k.cond("Ready", "False", "PodCompleted", None, 60 * 8 - 5)], "phase": "Succeeded", "qosClass": "Burstable",
                  "containerStatuses": [{"name": "job", "ready": False, "restartCount": 0, "image": pspec["containers"][0]["image"],
                                         "imageID": "", "started": False,
                                         "state": {"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": k.ts(60 * 8 - 5)}}}]}
            pods.append(k.pod(rng, f"{jp['metadata']['name']}-{k.suffix(rng)}", "batch", pspec, st,
                              labels=jp["spec"]["template"]["metadata"]["labels"], owner=("Job", jp["metadata"]["name"], "batch/v1"),
                              created_min=60 * 8))

    # ------------------------------------------------------------ services and endpoints
    def svc(ns, name, selector, port=80, target=8080):
        return {"apiVersion": "v1", "kind": "Service", "metadata": k.meta(rng, name, ns, labels={"app.kubernetes.io/name": name}),
                "spec": {"clusterIP": f"10.96.{rng.randint(0, 250)}.{rng.randint(2, 250)}", "internalTrafficPolicy": "Cluster",
                         "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                         "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": target}],
                         "selector": selector, "sessionAffinity": "None", "type": "ClusterIP"},
                "status": {"loadBalancer": {}}}

    def matching(ns, selector):
        return [p for p in pods if p["metadata"]["namespace"] == ns
                and all(p["metadata"].get("labels", {}).get(kk) == vv for kk, vv in selector.items())
                and p["status"].get("phase") == "Running" and "deletionTimestamp" not in p["metadata"]]

    for d in deployments:
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        if ns == "kube-system":
            continue
        sel = {"app.kubernetes.io/name": name}
        services.append(svc(ns, name, sel))
    services.append(svc("kube-system", "kube-dns", {"k8s-app": "kube-dns"}, port=53, target=53))
    services.append(svc("data", "postgres", {"app.kubernetes.io/name": "postgres"}, port=5432, target=5432))
    services.append(svc("data", "redis", {"app.kubernetes.io/name": "redis"}, port=6379, target=6379))
    services.append(svc("monitoring", "prometheus", {"app.kubernetes.io/name": "prometheus"}, port=9090, target=9090))
    # A Service left behind after its app was renamed: its selector matches nothing.
    services.append(svc("checkout", "payments-gateway", {"app.kubernetes.io/name": "gateway"}))
    for s in services:
        ns, name = s["metadata"]["namespace"], s["metadata"]["name"]
        ready, not_ready = [], []
        for p in matching(ns, s["spec"]["selector"]):
            ok = all(c.get("ready") for c in p["status"].get("containerStatuses", []))
            addr = {"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
                    "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": ns, "uid": p["metadata"]["uid"]}}
            (ready if ok else not_ready).append(addr)
        ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": k.meta(rng, name, ns, labels={"app.kubernetes.io/name": name})}
        if ready or not_ready:
            subset = {"ports": [{"name": "http", "port": s["spec"]["ports"][0]["targetPort"], "protocol": "TCP"}]}
            if ready:
                subset["addresses"] = ready
            if not_ready:
                subset["notReadyAddresses"] = not_ready
            ep["subsets"] = [subset]
        endpoints.append(ep)

    # ------------------------------------------------------------ policy, autoscaling, quotas
    def pdb(ns, name, sel):
        return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": k.meta(rng, name, ns),
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": sel}},
                "status": {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2, "observedGeneration": 1}}
    pdbs = [pdb("payments", "api", {"app.kubernetes.io/name": "api"}), pdb("payments", "ledger", {"app.kubernetes.io/name": "ledger"}),
            pdb("payments", "worker", {"app.kubernetes.io/name": "worker"}), pdb("kube-system", "coredns", {"k8s-app": "kube-dns"}),
            pdb("data", "postgres", {"app.kubernetes.io/name": "postgres"})]

    def hpa(ns, name, target, api="autoscaling/v2"):
        return {"apiVersion": api, "kind": "HorizontalPodAutoscaler", "metadata": k.meta(rng, name, ns),
                "spec": {"maxReplicas": 10, "minReplicas": 2,
                         "metrics": [{"resource": {"name": "cpu", "target": {"averageUtilization": 70, "type": "Utilization"}}, "type": "Resource"}],
                         "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}},
                "status": {"currentReplicas": 3, "desiredReplicas": 3}}
    hpas = [hpa("payments", "api", "api"), hpa("checkout", "web", "web"), hpa("checkout", "checkout-frontend", "checkout-frontend")]

    netpols = [{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": k.meta(rng, "default-deny", "payments"),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
               {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": k.meta(rng, "allow-api", "payments"),
                "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "api"}}, "policyTypes": ["Ingress"],
                         "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "checkout"}}}],
                                      "ports": [{"port": 8080, "protocol": "TCP"}]}]}},
               {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": k.meta(rng, "default-deny", "data"),
                "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}}]
    quotas = [{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": k.meta(rng, "compute", "payments"),
               "spec": {"hard": {"limits.memory": "64Gi", "requests.cpu": "16", "requests.memory": "32Gi"}},
               "status": {"hard": {"limits.memory": "64Gi", "requests.cpu": "16", "requests.memory": "32Gi"},
                          "used": {"limits.memory": "2Gi", "requests.cpu": "900m", "requests.memory": "1152Mi"}}}]
    limitranges = [{"apiVersion": "v1", "kind": "LimitRange", "metadata": k.meta(rng, "defaults", "payments"),
                    "spec": {"limits": [{"default": {"memory": "256Mi"}, "defaultRequest": {"cpu": "100m", "memory": "128Mi"}, "type": "Container"}]}}]

    # ------------------------------------------------------------ RBAC
    def role(kind, name, rules, ns=None, labels=None):
        api = "rbac.authorization.k8s.io/v1"
        return {"apiVersion": api, "kind": kind, "metadata": k.meta(rng, name, ns, labels=labels), "rules": rules}

    def binding(kind, name, role_kind, role_name, subjects, ns=None, labels=None):
        return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": k.meta(rng, name, ns, labels=labels),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name}, "subjects": subjects}

    boot = {"kubernetes.io/bootstrapping": "rbac-defaults"}
    clusterroles = [
        role("ClusterRole", "cluster-admin", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}], labels=boot),
        role("ClusterRole", "view", [{"apiGroups": [""], "resources": ["pods", "services", "configmaps"], "verbs": ["get", "list", "watch"]}], labels=boot),
        role("ClusterRole", "system:coredns", [{"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"], "verbs": ["list", "watch"]}]),
        role("ClusterRole", "system:metrics-server", [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
                                                      {"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]}]),
        role("ClusterRole", "prometheus", [{"apiGroups": [""], "resources": ["nodes", "nodes/metrics", "services", "endpoints", "pods"], "verbs": ["get", "list", "watch"]},
                                           {"nonResourceURLs": ["/metrics"], "verbs": ["get"]}]),
        role("ClusterRole", "ops-superuser", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]),
    ]
    crbs = [
        binding("ClusterRoleBinding", "cluster-admin", "ClusterRole", "cluster-admin",
                [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}], labels=boot),
        binding("ClusterRoleBinding", "system:coredns", "ClusterRole", "system:coredns",
                [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}]),
        binding("ClusterRoleBinding", "prometheus", "ClusterRole", "prometheus",
                [{"kind": "ServiceAccount", "name": "prometheus", "namespace": "monitoring"}]),
        binding("ClusterRoleBinding", "dev-admin", "ClusterRole", "cluster-admin",
                [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "dev@example.com"}]),
        binding("ClusterRoleBinding", "ops-superuser", "ClusterRole", "ops-superuser",
                [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "platform-oncall"}]),
    ]
    roles = [role("Role", "secret-reader", [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}], ns="checkout"),
             role("Role", "config-reader", [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list", "watch"]}], ns="payments")]
    rbs = [binding("RoleBinding", "cart-secret-reader", "Role", "secret-reader", [{"kind": "ServiceAccount", "name": "cart", "namespace": "checkout"}], ns="checkout"),
           binding("RoleBinding", "api-config-reader", "Role", "config-reader", [{"kind": "ServiceAccount", "name": "api", "namespace": "payments"}], ns="payments")]
    sas = []
    for d in deployments + statefulsets:
        ns, name = d["metadata"]["namespace"], d["spec"]["template"]["spec"].get("serviceAccountName", "default")
        if not any(s["metadata"]["namespace"] == ns and s["metadata"]["name"] == name for s in sas):
            sas.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": k.meta(rng, name, ns)})

    ingresses = [{"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": k.meta(rng, "web", "checkout"),
                  "spec": {"ingressClassName": "nginx", "rules": [{"host": "shop.example.com", "http": {"paths": [
                      {"backend": {"service": {"name": "web", "port": {"number": 80}}}, "path": "/", "pathType": "Prefix"}]}}],
                      "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}]},
                  "status": {"loadBalancer": {"ingress": [{"hostname": "a1b2c3.elb.eu-west-1.amazonaws.com"}]}}}]

    legacy = [
        {"apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy", "metadata": k.meta(rng, "restricted"),
         "spec": {"privileged": False, "runAsUser": {"rule": "MustRunAsNonRoot"}, "seLinux": {"rule": "RunAsAny"},
                  "fsGroup": {"rule": "RunAsAny"}, "supplementalGroups": {"rule": "RunAsAny"}, "volumes": ["configMap", "secret"]}},
        {"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": k.meta(rng, "old-cleanup", "batch"),
         "spec": {"schedule": "0 4 * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                  "containers": [{"name": "cleanup", "image": f"{REG}/batch/cleanup:1.0.0"}]}}}}}},
        {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": k.meta(rng, "old-api", "payments"),
         "spec": {"maxReplicas": 5, "minReplicas": 2, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}}},
        {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": k.meta(rng, "old-web", "checkout"),
         "spec": {"rules": [{"host": "old.example.com", "http": {"paths": [{"backend": {"serviceName": "web", "servicePort": 80}, "path": "/"}]}}]}},
    ]

    # ------------------------------------------------------------ events
    def pod_named(prefix, ns):
        return next(p for p in pods if p["metadata"]["namespace"] == ns and p["metadata"]["name"].startswith(prefix))
    web_crash = next(p for p in pods if p["metadata"]["namespace"] == "checkout" and p["metadata"]["name"].startswith("web-")
                     and p["status"]["containerStatuses"][0]["restartCount"] == 27)
    search_bad = [p for p in pods if p["metadata"]["name"].startswith("search-") and not p["status"]["containerStatuses"][0]["ready"]]
    rec_nr = next(p for p in pods if p["metadata"]["name"].startswith("recommendations-") and not p["status"]["containerStatuses"][0]["ready"])
    analytics = pod_named("analytics-", "data")
    cart_oom = next(p for p in pods if p["metadata"]["name"].startswith("cart-") and p["status"]["containerStatuses"][0]["restartCount"] == 7)
    recon = pod_named("reconciler-", "payments")
    events += [
        k.event(rng, "checkout", "Pod", web_crash["metadata"]["name"], "BackOff", "Back-off restarting failed container app in pod " + web_crash["metadata"]["name"] + "_checkout(" + web_crash["metadata"]["uid"] + ")",
                "Warning", count=612, first_min=178, last_min=0.5, host=web_crash["spec"]["nodeName"], field_path="spec.containers{app}"),
        k.event(rng, "data", "Pod", analytics["metadata"]["name"], "FailedScheduling",
                analytics["status"]["conditions"][0]["message"], "Warning", count=9, first_min=30, last_min=2, component="default-scheduler"),
        k.event(rng, "data", "Pod", "postgres-2", "FailedScheduling",
                "0/24 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/24 nodes are available: 24 Preemption is not helpful for scheduling.",
                "Warning", count=14, first_min=40, last_min=3, component="default-scheduler"),
        k.event(rng, "data", "PersistentVolumeClaim", "pgdata-postgres-2", "ProvisioningFailed",
                'storageclass.storage.k8s.io "fast-ssd" not found', "Warning", count=161, first_min=40, last_min=1, component="persistentvolume-controller"),
        k.event(rng, "checkout", "Pod", rec_nr["metadata"]["name"], "Unhealthy",
                "Readiness probe failed: HTTP probe failed with statuscode: 503", "Warning", count=403, first_min=65, last_min=0.2,
                host=rec_nr["spec"]["nodeName"], field_path="spec.containers{app}"),
        k.event(rng, "payments", "Pod", recon["metadata"]["name"], "Failed",
                "Error: couldn't find key password in Secret payments/db-credentials", "Warning", count=118, first_min=25, last_min=0.3,
                host=recon["spec"]["nodeName"], field_path="spec.containers{app}"),
        k.event(rng, "checkout", "Node", cart_oom["spec"]["nodeName"], "OOMKilling",
                "Memory cgroup out of memory: Killed process 28735 (node) total-vm:1873212kB, anon-rss:196412kB, file-rss:30420kB, shmem-rss:0kB, UID:10001 pgtables:1228kB oom_score_adj:998",
                "Warning", count=1, first_min=14, last_min=14, component="kernel-monitor", host=cart_oom["spec"]["nodeName"], obj_namespace=""),
        k.event(rng, "default", "Node", "worker-07", "NodeNotReady", "Node worker-07 status is now: NodeNotReady", "Normal",
                count=1, first_min=39, last_min=39, component="node-controller", obj_namespace=""),
        k.event(rng, "monitoring", "Pod", "prometheus-1", "FailedMount",
                'MountVolume.SetUp failed for volume "config" : configmap "prometheus-rules-extra" not found', "Warning",
                count=3, first_min=200, last_min=185, host="worker-09"),
    ]
    for p in search_bad:
        events.append(k.event(rng, "checkout", "Pod", p["metadata"]["name"], "Failed",
                              f'Failed to pull image "{REG}/checkout/search:7.0.0-rc1": rpc error: code = NotFound desc = failed to pull and unpack image "{REG}/checkout/search:7.0.0-rc1": {REG}/checkout/search:7.0.0-rc1: not found',
                              "Warning", count=14, first_min=52, last_min=1.5, host=p["spec"]["nodeName"], field_path="spec.containers{app}"))
        events.append(k.event(rng, "checkout", "Pod", p["metadata"]["name"], "BackOff",
                              f'Back-off pulling image "{REG}/checkout/search:7.0.0-rc1"', "Normal",
                              count=201, first_min=51, last_min=0.8, host=p["spec"]["nodeName"], field_path="spec.containers{app}"))
    for p in pods[:60]:
        if p["status"].get("phase") != "Running":
            continue
        n = p["spec"].get("nodeName", "")
        for reason, msg, age in [("Scheduled", f"Successfully assigned {p['metadata']['namespace']}/{p['metadata']['name']} to {n}", 59),
                                 ("Pulled", f'Container image "{p["spec"]["containers"][0]["image"]}" already present on machine', 58),
                                 ("Started", f"Started container {p['spec']['containers'][0]['name']}", 58)]:
            events.append(k.event(rng, p["metadata"]["namespace"], "Pod", p["metadata"]["name"], reason, msg, "Normal",
                                  count=1, first_min=age, last_min=age, component="default-scheduler" if reason == "Scheduled" else "kubelet", host=n))

    # ------------------------------------------------------------ metrics
    node_metrics = []
    for n in nodes:
        name = n["metadata"]["name"]
        if name == "worker-07":
            continue
        alloc_cpu = int(n["status"]["allocatable"]["cpu"][:-1]) / 1000
        alloc_mem_ki = int(n["status"]["allocatable"]["memory"][:-2])
        cpu_frac = 0.92 if name == "worker-04" else rng.uniform(0.15, 0.6)
        mem_frac = 0.95 if name == "worker-11" else rng.uniform(0.3, 0.7)
        node_metrics.append({"metadata": {"creationTimestamp": k.ts(), "labels": n["metadata"]["labels"], "name": name},
                             "timestamp": k.ts(seconds_ago=12), "window": "10.062s",
                             "usage": {"cpu": f"{int(alloc_cpu * cpu_frac * 1e9)}n", "memory": f"{int(alloc_mem_ki * mem_frac)}Ki"}})
    pod_metrics = []
    for p in pods:
        if p["status"].get("phase") != "Running" or p["spec"].get("nodeName") == "worker-07":
            continue
        pod_metrics.append({"metadata": {"creationTimestamp": k.ts(), "name": p["metadata"]["name"], "namespace": p["metadata"]["namespace"],
                                         "labels": p["metadata"].get("labels", {})},
                            "timestamp": k.ts(seconds_ago=15), "window": "12.381s",
                            "containers": [{"name": c["name"], "usage": {"cpu": f"{rng.randint(1_000_000, 400_000_000)}n",
                                                                          "memory": f"{rng.randint(20_000, 900_000)}Ki"}}
                                           for c in p["spec"]["containers"]]})

    # Over-committed limits on worker-03: CPU limits far above allocatable.
    for p in pods:
        if p["spec"].get("nodeName") == "worker-03" and p["metadata"]["namespace"] not in ("kube-system", "monitoring"):
            for c in p["spec"]["containers"]:
                c["resources"].setdefault("limits", {})["cpu"] = "6"
    burst_c = k.container("app", f"{REG}/data/etl-burst:2.0.1", cpu_req="200m", mem_req="256Mi", cpu_lim="8", mem_lim="1Gi")
    for i in range(2):
        spec = k.pod_spec([burst_c], node="worker-03", sa="etl")
        pods.append(k.pod(rng, f"etl-burst-{i}", "data", spec, k.running_status(rng, spec), labels={"app": "etl-burst"}))

    # ------------------------------------------------------------ write
    files = {
        "namespaces.json": namespaces, "nodes.json": nodes, "pods.json": pods, "events.json": events,
        "deployments.json": deployments, "replicasets.json": replicasets, "statefulsets.json": statefulsets,
        "daemonsets.json": daemonsets, "jobs.json": jobs, "cronjobs.json": cronjobs, "services.json": services,
        "endpoints.json": endpoints, "persistentvolumeclaims.json": pvcs, "persistentvolumes.json": pvs,
        "horizontalpodautoscalers.json": hpas, "poddisruptionbudgets.json": pdbs, "networkpolicies.json": netpols,
        "resourcequotas.json": quotas, "limitranges.json": limitranges, "serviceaccounts.json": sas, "roles.json": roles,
        "rolebindings.json": rbs, "clusterroles.json": clusterroles, "clusterrolebindings.json": crbs,
        "ingresses.json": ingresses, "legacy.json": legacy,
    }
    for name, items in files.items():
        k.dump(os.path.join(OUT, name), k.klist(items))
    k.dump(os.path.join(OUT, "node-metrics.json"),
           {"apiVersion": "metrics.k8s.io/v1beta1", "items": node_metrics, "kind": "NodeMetricsList", "metadata": {}})
    k.dump(os.path.join(OUT, "pod-metrics.json"),
           {"apiVersion": "metrics.k8s.io/v1beta1", "items": pod_metrics, "kind": "PodMetricsList", "metadata": {}})
    k.dump(os.path.join(OUT, "version.json"), {
        "clientVersion": {"major": "1", "minor": "30", "gitVersion": "v1.30.4", "gitCommit": "a51b3b711150f57ffc1f526a640ec058514f2fdd",
                          "gitTreeState": "clean", "buildDate": "2024-08-14T19:04:41Z", "goVersion": "go1.22.5", "compiler": "gc",
                          "platform": "linux/amd64"},
        "kustomizeVersion": "v5.0.4-0.20230601165947-6ce0bf390ce3",
        "serverVersion": {"major": "1", "minor": "30", "gitVersion": "v1.30.4", "gitCommit": "a51b3b711150f57ffc1f526a640ec058514f2fdd",
                          "gitTreeState": "clean", "buildDate": "2024-08-14T18:53:39Z", "goVersion": "go1.22.5", "compiler": "gc",
                          "platform": "linux/amd64"}})
    print(f"wrote {OUT}: {len(nodes)} nodes, {len(pods)} pods, {len(events)} events, {len(deployments)} deployments")


if __name__ == "__main__":
    main()
