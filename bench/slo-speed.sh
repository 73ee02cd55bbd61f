#!/usr/bin/env bash
# srehub slo generate on 1,000 SLOs (100 Sloth prometheus/v1 files of 10 SLOs; bench/gen_slo_specs.py):
# rules, dashboards and promtool suites for all of them, one core. The issue's goal is under 1 second.
# Sloth (the peer) is a Go program and Go is not installed here, so it is not run side by side; for
# scale, `promtool check rules` on the generated files is timed too.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
dir=${BENCH_DIR:-/tmp/srehub-bench}/slo
rm -rf "$dir/specs" "$dir/out"
python3 bench/gen_slo_specs.py "$dir/specs"
cargo build --release --locked --quiet
bin=target/release/srehub
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > "$dir/.out" 2>&1 || { cat "$dir/.out"; exit 1; }; e=$(date +%s.%N); echo "$e - $s" | bc; }
t=$(for _ in $(seq "$RUNS"); do rm -rf "$dir/out"; time_it taskset -c 0 "$bin" slo generate "$dir/specs" -o "$dir/out"; done | median)
rules=$(grep -c '^  - record:\|^  - alert:' "$dir"/out/*.rules.yml | awk -F: '{s += $2} END {print s}')
printf 'srehub slo generate: 1000 SLOs, %d rules, dashboards and promtool suites in %.3f s (one core)\n' "$rules" "$t"
if command -v promtool > /dev/null; then
  p=$(time_it taskset -c 0 promtool check rules "$dir"/out/*.rules.yml)
  printf 'promtool check rules on the result: %.3f s\n' "$p"
fi
