#!/usr/bin/env python3
"""Generates a corpus of realistic Kubernetes manifests for the lint benchmark: apps of a Deployment,
a Service and an Ingress each (one file per app, three YAML documents), a tenth of them with planted
problems (latest tags, missing probes and limits, typos, quoted numbers, dangling selectors).

    python3 bench/gen_manifests.py -n 20000 -o /tmp/srehub-bench/manifests
"""
import argparse
import os
import random

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/part-of: {ns}
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {label}
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        fsGroup: 10001
        seccompProfile: {{type: RuntimeDefault}}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {name}
          image: {image}
          imagePullPolicy: IfNotPresent
          args: ["--port=8080", "--metrics-port=9090", "--log-level=info"]
          ports:
            - {{name: http, containerPort: 8080, protocol: TCP}}
            - {{name: metrics, containerPort: 9090, protocol: TCP}}
          env:
            - {{name: SERVICE_NAME, value: {name}}}
            - name: POD_NAMESPACE
              valueFrom: {{fieldRef: {{fieldPath: metadata.namespace}}}}
            - {{name: GOMAXPROCS, value: {gomaxprocs}}}
{probes}          resources:
            requests: {{cpu: 250m, memory: 256Mi}}
{limits}          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {{drop: [ALL]}}
          volumeMounts:
            - {{name: tmp, mountPath: /tmp}}
      volumes:
        - name: tmp
          emptyDir: {{sizeLimit: 64Mi}}
"""

PROBES = """          readinessProbe:
            httpGet: {path: /ready, port: http}
            periodSeconds: 5
          livenessProbe:
            httpGet: {path: /live, port: http}
            periodSeconds: 20
            failureThreshold: 3
"""

SERVICE = """---
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - {{name: http, port: 80, targetPort: http, protocol: TCP}}
    - {{name: metrics, port: 9090, targetPort: metrics, protocol: TCP}}
"""

INGRESS = """---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: {ns}
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: 8m
spec:
  ingressClassName: nginx
  tls:
    - hosts: [{name}.example.com]
      secretName: {name}-tls
  rules:
    - host: {name}.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {name}
                port: {{number: {port}}}
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=20000, help="number of manifests (objects)")
    ap.add_argument("-o", required=True)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    apps = a.n // 3
    for i in range(apps):
        ns = f"team-{i % 40:02d}"
        name = f"svc-{i:05d}"
        bad = i % 10 == 0
        d = {
            "name": name,
            "ns": ns,
            "label": name,
            "replicas": rnd.choice([2, 3, 4]),
            "image": f"registry.example.com/{ns}/{name}:1.{rnd.randint(0, 40)}.{rnd.randint(0, 9)}",
            "probes": PROBES,
            "limits": "            limits: {memory: 256Mi}\n",
            "gomaxprocs": '"2"',
            "port": 80,
        }
        if bad:
            kind = rnd.randint(0, 4)
            if kind == 0:
                d["image"] = f"registry.example.com/{ns}/{name}:latest"
                d["probes"] = ""
            elif kind == 1:
                d["limits"] = ""
                d["replicas"] = '"3"'
            elif kind == 2:
                d["label"] = name + "-v2"  # the Service then selects nothing
            elif kind == 3:
                d["gomaxprocs"] = "2"  # a number where a string is expected
                d["port"] = 8080  # the Service has no such port
            else:
                d["probes"] = PROBES.replace("periodSeconds: 5", "periodSecond: 5")
        path = os.path.join(a.o, ns, f"{name}.yaml")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(DEPLOY.format(**d))
            f.write(SERVICE.format(**d))
            f.write(INGRESS.format(**d))
    print(f"wrote {apps} files, {apps * 3} manifests under {a.o}")


if __name__ == "__main__":
    main()
