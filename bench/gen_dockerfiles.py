#!/usr/bin/env python3
"""Writes N realistic Dockerfiles (multi-stage builds, apt/apk/pip/npm installs, heredocs, a tenth with
problems) for the lint benchmark.   python3 bench/gen_dockerfiles.py -n 1000 -o /tmp/dockerfiles"""

import argparse
import os
import random

BASES = ["python:3.12-slim", "node:20-alpine", "golang:1.23", "debian:bookworm-slim", "ubuntu:24.04", "alpine:3.20",
         "eclipse-temurin:21-jdk", "rust:1.82"]


def dockerfile(rng, i):
    base = rng.choice(BASES)
    bad = rng.random() < 0.1
    lines = ["# syntax=docker/dockerfile:1", f"FROM {base if not bad else base.split(':')[0]} AS build",
             "WORKDIR /src"]
    if "alpine" in base:
        lines.append("RUN apk add --no-cache git=2.45.2-r0 make=4.4.1-r2" if not bad else "RUN apk add git make")
    else:
        lines.append("RUN apt-get update \\\n    && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u1 ca-certificates=20230311 \\\n    && rm -rf /var/lib/apt/lists/*"
                     if not bad else "RUN apt-get update && apt-get install -y git curl | tee /tmp/log")
    lines.append("COPY . ." if not bad else "ADD . .")
    lines.append("RUN <<EOF\nset -euo pipefail\nmake build\ncp out/app /app\nEOF")
    lines.append("FROM gcr.io/distroless/static-debian12:nonroot")
    lines.append("COPY --from=build /app /app")
    if bad:
        lines.append(f"ENV API_TOKEN=secret{i}")
    lines.append("USER 65532:65532" if not bad else "USER root")
    lines.append('ENTRYPOINT ["/app"]' if not bad else "ENTRYPOINT /app --serve")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=3)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.output, exist_ok=True)
    for i in range(a.n):
        d = os.path.join(a.output, f"svc-{i:04d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "Dockerfile"), "w") as f:
            f.write(dockerfile(rng, i))
    print(f"wrote {a.n} Dockerfiles under {a.output}")


if __name__ == "__main__":
    main()
