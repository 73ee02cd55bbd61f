#!/usr/bin/env bash
# Kubernetes manifest lint benchmark: srehub lint on a generated corpus of 20,001 manifests (Deployment,
# Service and Ingress per app, a tenth with problems), reported as manifests per second on all cores and
# on one core (taskset), and side by side with checkov's Kubernetes framework (pip install checkov) on
# the same files when it is installed. kube-score and kube-linter cannot be installed here.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
N=${N:-20001}
dir=${BENCH_DIR:-/tmp/srehub-bench}/manifests
[ -d "$dir" ] || python3 bench/gen_manifests.py -n "$N" -o "$dir"
cargo build --release --locked --quiet
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
objects=$( (target/release/srehub lint "$dir" -o json || true) | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(1 for _ in r["findings"]), [n["message"] for n in r["notes"] if n["message"].startswith("linted")][0])')
echo "corpus: $dir; findings and files: $objects"
s=$(for _ in $(seq "$RUNS"); do time_it target/release/srehub lint "$dir" -o json; done | median)
s1=$(for _ in $(seq "$RUNS"); do time_it taskset -c 0 target/release/srehub lint "$dir" -o json; done | median)
printf 'srehub lint (all cores) %8.3f s  %8.0f manifests/s\n' "$s" "$(echo "$N / $s" | bc -l)"
printf 'srehub lint (one core)  %8.3f s  %8.0f manifests/s\n' "$s1" "$(echo "$N / $s1" | bc -l)"
if command -v checkov > /dev/null; then
  c=$(for _ in $(seq 1); do time_it checkov -d "$dir" --framework kubernetes --quiet --compact -o json; done | median)
  echo "checkov $(checkov --version) --framework kubernetes: $c s"
  awk -v s="$s" -v c="$c" 'BEGIN { printf "ratio: srehub lint is %.0fx faster than checkov on the same manifests\n", c / s }'
else
  echo "checkov not installed (pip install checkov): no side-by-side run"
fi
