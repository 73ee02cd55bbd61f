"""Builders of realistic Kubernetes objects, shaped as the API server returns them (v1.30 era).

Shared by examples/generate_demo_cluster.py (the bundled demo cluster) and bench/gen_snapshot.py (the
large synthetic snapshot of the doctor benchmark). Standard library only; deterministic given a
random.Random.
"""

import datetime as _dt
import hashlib
import json

CAPTURE = _dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=_dt.timezone.utc)


def ts(minutes_ago=0.0, seconds_ago=0.0):
    t = CAPTURE - _dt.timedelta(minutes=minutes_ago, seconds=seconds_ago)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def uid(*parts):
    h = hashlib.sha1("/".join(parts).encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def suffix(rng, n=5):
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    return "".join(rng.choice(alphabet) for _ in range(n))


def rv(rng):
    return str(rng.randint(100000, 9999999))


def meta(rng, name, namespace=None, labels=None, annotations=None, owner=None, created_min=60 * 24 * 30):
    m = {
        "creationTimestamp": ts(created_min),
        "name": name,
        "resourceVersion": rv(rng),
        "uid": uid(namespace or "", name),
    }
    if namespace is not None:
        m["namespace"] = namespace
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if owner:
        kind, oname, api = owner
        m["ownerReferences"] = [
            {
                "apiVersion": api,
                "blockOwnerDeletion": True,
                "controller": True,
                "kind": kind,
                "name": oname,
                "uid": uid(namespace or "", oname),
            }
        ]
    return m


def cond(type_, status, reason=None, message=None, minutes_ago=60 * 24, heartbeat=None):
    c = {"lastTransitionTime": ts(minutes_ago), "status": status, "type": type_}
    if heartbeat is not None:
        c["lastHeartbeatTime"] = ts(seconds_ago=heartbeat)
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


# ---------------------------------------------------------------- nodes

def node(rng, name, zone, role="worker", kubelet="v1.30.4", ready="True", pressure=None, cordoned=False,
         heartbeat_age=20, cpu="8", memory_ki=32_827_264):
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "node.kubernetes.io/instance-type": "m6i.2xlarge" if role == "worker" else "m6i.large",
        "topology.kubernetes.io/region": "eu-west-1",
        "topology.kubernetes.io/zone": zone,
    }
    taints = []
    if role == "control-plane":
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        taints.append({"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"})
    spec = {"podCIDR": f"10.244.{rng.randint(0, 250)}.0/24", "providerID": f"aws:///{zone}/i-0{uid(name)[:16].replace('-', '')}"}
    if cordoned:
        spec["unschedulable"] = True
        taints.append({"effect": "NoSchedule", "key": "node.kubernetes.io/unschedulable", "timeAdded": ts(95)})
    if ready == "Unknown":
        taints.append({"effect": "NoSchedule", "key": "node.kubernetes.io/unreachable", "timeAdded": ts(39)})
        taints.append({"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "timeAdded": ts(34)})
    if taints:
        spec["taints"] = taints
    pressure = pressure or {}
    hb = heartbeat_age
    conditions = []
    for t, ok_reason, bad_reason, msg_ok, msg_bad in [
        ("MemoryPressure", "KubeletHasSufficientMemory", "KubeletHasInsufficientMemory", "kubelet has sufficient memory available", "kubelet has insufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "KubeletHasDiskPressure", "kubelet has no disk pressure", "kubelet has disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "KubeletHasInsufficientPID", "kubelet has sufficient PID available", "kubelet has insufficient PID available"),
    ]:
        if ready == "Unknown":
            conditions.append(cond(t, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", 39, heartbeat=60 * 41))
        elif pressure.get(t):
            conditions.append(cond(t, "True", bad_reason, msg_bad, 22, heartbeat=hb))
        else:
            conditions.append(cond(t, "False", ok_reason, msg_ok, 60 * 24 * 20, heartbeat=hb))
    if ready == "Unknown":
        conditions.append(cond("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.", 39, heartbeat=60 * 41))
    elif ready == "False":
        conditions.append(cond("Ready", "False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized", 12, heartbeat=hb))
    else:
        conditions.append(cond("Ready", "True", "KubeletReady", "kubelet is posting ready status", 60 * 24 * 20, heartbeat=hb))
    conditions.insert(0, cond("NetworkUnavailable", "False", "CalicoIsUp", "Calico is running on this node", 60 * 24 * 20))
    alloc_cpu = f"{int(cpu) * 1000 - 90}m"
    status = {
        "addresses": [
            {"address": f"10.0.{rng.randint(0, 254)}.{rng.randint(1, 254)}", "type": "InternalIP"},
            {"address": name, "type": "Hostname"},
        ],
        "allocatable": {"cpu": alloc_cpu, "ephemeral-storage": "95491281146", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                        "memory": f"{memory_ki - 1_048_576}Ki", "pods": "110"},
        "capacity": {"cpu": cpu, "ephemeral-storage": "103608324Ki", "hugepages-1Gi": "0", "hugepages-2Mi": "0",
                     "memory": f"{memory_ki}Ki", "pods": "110"},
        "conditions": conditions,
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": uid(name, "boot"),
            "containerRuntimeVersion": "containerd://1.7.20",
            "kernelVersion": "6.1.0-26-cloud-amd64",
            "kubeProxyVersion": kubelet,
            "kubeletVersion": kubelet,
            "machineID": uid(name, "machine").replace("-", ""),
            "operatingSystem": "linux",
            "osImage": "Debian GNU/Linux 12 (bookworm)",
            "systemUUID": uid(name, "system"),
        },
    }
    return {"apiVersion": "v1", "kind": "Node", "metadata": meta(rng, name, labels=labels, created_min=60 * 24 * 90),
            "spec": spec, "status": status}


# ---------------------------------------------------------------- pods

def http_probe(path, port, period=10, failure=3, initial=0):
    p = {"failureThreshold": failure, "httpGet": {"path": path, "port": port, "scheme": "HTTP"},
         "periodSeconds": period, "successThreshold": 1, "timeoutSeconds": 1}
    if initial:
        p["initialDelaySeconds"] = initial
    return p


def container(name, image, port=8080, cpu_req="100m", mem_req="128Mi", cpu_lim=None, mem_lim="256Mi",
              liveness=True, readiness=True, secure=True, env=None):
    c = {
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "name": name,
        "ports": [{"containerPort": port, "name": "http", "protocol": "TCP"}],
        "resources": {},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": True}],
    }
    if env:
        c["env"] = env
    req = {}
    if cpu_req:
        req["cpu"] = cpu_req
    if mem_req:
        req["memory"] = mem_req
    lim = {}
    if cpu_lim:
        lim["cpu"] = cpu_lim
    if mem_lim:
        lim["memory"] = mem_lim
    if req:
        c["resources"]["requests"] = req
    if lim:
        c["resources"]["limits"] = lim
    if liveness is True:
        c["livenessProbe"] = http_probe("/healthz", port, period=10, failure=3, initial=10)
    elif isinstance(liveness, dict):
        c["livenessProbe"] = liveness
    if readiness is True:
        c["readinessProbe"] = http_probe("/ready", port, period=5, failure=2)
    elif isinstance(readiness, dict):
        c["readinessProbe"] = readiness
    if secure is True:
        c["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                                "readOnlyRootFilesystem": True, "runAsNonRoot": True, "runAsUser": 10001,
                                "seccompProfile": {"type": "RuntimeDefault"}}
    elif isinstance(secure, dict):
        c["securityContext"] = secure
    return c


def pod_spec(containers, node=None, sa="default", host_network=False, host_pid=False, volumes=None, tolerations=None,
             pod_security=True, priority_class=None, restart_policy="Always"):
    spec = {
        "containers": containers,
        "dnsPolicy": "ClusterFirstWithHostNet" if host_network else "ClusterFirst",
        "enableServiceLinks": True,
        "preemptionPolicy": "PreemptLowerPriority",
        "priority": 2000001000 if priority_class == "system-node-critical" else (2000000000 if priority_class else 0),
        "restartPolicy": restart_policy,
        "schedulerName": "default-scheduler",
        "securityContext": {"fsGroup": 10001, "runAsNonRoot": True} if pod_security else {},
        "serviceAccount": sa,
        "serviceAccountName": sa,
        "terminationGracePeriodSeconds": 30,
        "tolerations": tolerations or [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
        ],
        "volumes": (volumes or []) + [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
            {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"}]}}]}}],
    }
    if node:
        spec["nodeName"] = node
    if host_network:
        spec["hostNetwork"] = True
    if host_pid:
        spec["hostPID"] = True
    if priority_class:
        spec["priorityClassName"] = priority_class
    return spec


def running_status(rng, spec, started_min=60 * 24 * 3, restarts=0, ready=True, last_state=None, waiting=None,
                   host_ip=None, phase="Running"):
    statuses = []
    for c in spec["containers"]:
        cs = {
            "containerID": f"containerd://{hashlib.sha256((c['name'] + str(rng.random())).encode()).hexdigest()}",
            "image": c["image"],
            "imageID": f"{c['image'].split(':')[0]}@sha256:{hashlib.sha256(c['image'].encode()).hexdigest()}",
            "lastState": last_state or {},
            "name": c["name"],
            "ready": ready,
            "restartCount": restarts,
            "started": waiting is None,
            "state": {"waiting": waiting} if waiting else {"running": {"startedAt": ts(started_min if not last_state else 50)}},
        }
        statuses.append(cs)
    all_ready = "True" if ready else "False"
    conds = [
        cond("PodReadyToStartContainers", "True", minutes_ago=started_min),
        cond("Initialized", "True", minutes_ago=started_min),
        cond("Ready", all_ready, None if ready else "ContainersNotReady",
             None if ready else f"containers with unready status: [{' '.join(c['name'] for c in spec['containers'])}]",
             minutes_ago=started_min if ready else 55),
        cond("ContainersReady", all_ready, None if ready else "ContainersNotReady",
             None if ready else f"containers with unready status: [{' '.join(c['name'] for c in spec['containers'])}]",
             minutes_ago=started_min if ready else 55),
        cond("PodScheduled", "True", minutes_ago=started_min),
    ]
    ip = f"10.244.{rng.randint(0, 250)}.{rng.randint(2, 250)}"
    return {"conditions": conds, "containerStatuses": statuses, "hostIP": host_ip or f"10.0.{rng.randint(0, 254)}.{rng.randint(1, 254)}",
            "phase": phase, "podIP": ip, "podIPs": [{"ip": ip}], "qosClass": "Burstable", "startTime": ts(started_min)}


def pod(rng, name, namespace, spec, status, labels=None, owner=None, annotations=None, created_min=None):
    m = meta(rng, name, namespace, labels=labels, owner=owner, annotations=annotations,
             created_min=created_min if created_min is not None else 60 * 24 * 3)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec, "status": status}


# ---------------------------------------------------------------- controllers

def deployment(rng, name, namespace, template_spec, labels, replicas=2, available=None, ready=None, updated=None,
               progressing_ok=True, generation=4, observed=None, annotations=None):
    available = replicas if available is None else available
    ready = available if ready is None else ready
    updated = replicas if updated is None else updated
    conds = [
        cond("Available", "True" if available >= max(1, replicas - 1) or replicas == 0 else "False",
             "MinimumReplicasAvailable" if available >= max(1, replicas - 1) or replicas == 0 else "MinimumReplicasUnavailable",
             "Deployment has minimum availability." if available >= max(1, replicas - 1) or replicas == 0 else "Deployment does not have minimum availability.",
             minutes_ago=600),
    ]
    if progressing_ok:
        conds.append(cond("Progressing", "True", "NewReplicaSetAvailable", f'ReplicaSet "{name}-{rs_hash(name)}" has successfully progressed.', 60 * 24 * 2))
    else:
        conds.append(cond("Progressing", "False", "ProgressDeadlineExceeded", f'ReplicaSet "{name}-{rs_hash(name)}" has timed out progressing.', 47))
    status = {"conditions": conds, "observedGeneration": generation if observed is None else observed, "replicas": replicas,
              "updatedReplicas": updated}
    if ready:
        status["readyReplicas"] = ready
    if available:
        status["availableReplicas"] = available
    if replicas - available > 0:
        status["unavailableReplicas"] = replicas - available
    m = meta(rng, name, namespace, labels=labels, annotations={"deployment.kubernetes.io/revision": "4", **(annotations or {})},
             created_min=60 * 24 * 40)
    m["generation"] = generation
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": m,
            "spec": {"progressDeadlineSeconds": 600, "replicas": replicas, "revisionHistoryLimit": 10,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": labels["app.kubernetes.io/name"]}},
                     "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}, "type": "RollingUpdate"},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec}},
            "status": status}


def rs_hash(name):
    return hashlib.md5(name.encode()).hexdigest()[:10].translate(str.maketrans("0123456789abcdef", "bcdf2456789ghjkl"))


def replicaset(rng, deploy, replicas=None, available=None):
    name = f"{deploy['metadata']['name']}-{rs_hash(deploy['metadata']['name'])}"
    ns = deploy["metadata"]["namespace"]
    replicas = deploy["spec"]["replicas"] if replicas is None else replicas
    available = deploy["status"].get("availableReplicas", 0) if available is None else available
    labels = dict(deploy["spec"]["template"]["metadata"]["labels"])
    labels["pod-template-hash"] = rs_hash(deploy["metadata"]["name"])
    m = meta(rng, name, ns, labels=labels, owner=("Deployment", deploy["metadata"]["name"], "apps/v1"),
             annotations={"deployment.kubernetes.io/desired-replicas": str(replicas), "deployment.kubernetes.io/revision": "4"},
             created_min=60 * 24 * 2)
    m["generation"] = 1
    sel = dict(deploy["spec"]["selector"]["matchLabels"])
    sel["pod-template-hash"] = labels["pod-template-hash"]
    status = {"fullyLabeledReplicas": replicas, "observedGeneration": 1, "replicas": replicas}
    if available:
        status["availableReplicas"] = available
        status["readyReplicas"] = available
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": m,
            "spec": {"replicas": replicas, "selector": {"matchLabels": sel},
                     "template": {"metadata": {"labels": labels}, "spec": deploy["spec"]["template"]["spec"]}},
            "status": status}


def statefulset(rng, name, namespace, template_spec, labels, replicas=3, ready=None, claim=None):
    ready = replicas if ready is None else ready
    m = meta(rng, name, namespace, labels=labels, created_min=60 * 24 * 60)
    m["generation"] = 2
    spec = {"podManagementPolicy": "OrderedReady", "replicas": replicas, "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app.kubernetes.io/name": labels["app.kubernetes.io/name"]}}, "serviceName": name,
            "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec},
            "updateStrategy": {"rollingUpdate": {"partition": 0}, "type": "RollingUpdate"}}
    if claim:
        spec["volumeClaimTemplates"] = [{"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": claim},
                                         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "50Gi"}},
                                                  "storageClassName": "gp3", "volumeMode": "Filesystem"}}]
    status = {"availableReplicas": ready, "collisionCount": 0, "currentReplicas": replicas, "currentRevision": f"{name}-{rs_hash(name)[:10]}",
              "observedGeneration": 2, "readyReplicas": ready, "replicas": replicas, "updateRevision": f"{name}-{rs_hash(name)[:10]}",
              "updatedReplicas": replicas}
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": m, "spec": spec, "status": status}


def daemonset(rng, name, namespace, template_spec, labels, desired, unavailable=0):
    m = meta(rng, name, namespace, labels=labels, annotations={"deprecated.daemonset.template.generation": "3"}, created_min=60 * 24 * 90)
    m["generation"] = 3
    status = {"currentNumberScheduled": desired, "desiredNumberScheduled": desired, "numberAvailable": desired - unavailable,
              "numberMisscheduled": 0, "numberReady": desired - unavailable, "observedGeneration": 3, "updatedNumberScheduled": desired}
    if unavailable:
        status["numberUnavailable"] = unavailable
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": m,
            "spec": {"revisionHistoryLimit": 10, "selector": {"matchLabels": {"k8s-app": labels["k8s-app"]}},
                     "template": {"metadata": {"labels": dict(labels)}, "spec": template_spec},
                     "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"}},
            "status": status}


def event(rng, namespace, obj_kind, obj_name, reason, message, type_="Normal", count=1, first_min=60, last_min=1,
          component="kubelet", host=None, obj_namespace=None, field_path=None):
    name = f"{obj_name}.{hashlib.md5((obj_name + reason + message).encode()).hexdigest()[:16]}"
    involved = {"apiVersion": "v1" if obj_kind in ("Pod", "Node", "PersistentVolumeClaim", "Service") else "apps/v1",
                "kind": obj_kind, "name": obj_name, "resourceVersion": rv(rng), "uid": uid(obj_namespace or namespace or "", obj_name)}
    if obj_kind != "Node":
        involved["namespace"] = obj_namespace or namespace
    if field_path:
        involved["fieldPath"] = field_path
    src = {"component": component}
    if host:
        src["host"] = host
    e = {"apiVersion": "v1", "count": count, "eventTime": None, "firstTimestamp": ts(first_min),
         "involvedObject": involved, "kind": "Event", "lastTimestamp": ts(last_min), "message": message,
         "metadata": meta(rng, name, namespace or "default", created_min=first_min), "reason": reason,
         "reportingComponent": component, "reportingInstance": host or "", "source": src, "type": type_}
    return e


def klist(items):
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def dump(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=4, sort_keys=False)
        f.write("\n")
