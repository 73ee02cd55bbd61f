#!/usr/bin/env bash
# Terraform lint benchmark: srehub lint vs checkov (pip install checkov) on the same generated tree of
# about 60,000 lines (120 modules of AWS, Google and Azure resources with variables and locals), in one
# run. Prints median wall times, findings counts and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
CHECKOV_RUNS=${CHECKOV_RUNS:-1}
dir=${BENCH_DIR:-/tmp/srehub-bench}/terraform
[ -d "$dir" ] || python3 bench/gen_terraform.py --lines 60000 -o "$dir"
cargo build --release --locked --quiet
command -v checkov >/dev/null || { echo "checkov is needed: pip install checkov"; exit 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
lines=$(find "$dir" -name '*.tf' -print0 | xargs -0 cat | wc -l)
found=$( (target/release/srehub lint "$dir" -o json || true) | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')
echo "tree: $dir, $lines lines of Terraform; srehub findings: $found"
s=$(for _ in $(seq "$RUNS"); do time_it target/release/srehub lint "$dir" -o json; done | median)
c=$(for _ in $(seq "$CHECKOV_RUNS"); do time_it checkov -d "$dir" --framework terraform --quiet --compact -o json; done | median)
printf 'srehub lint            %8.3f s\ncheckov %-14s %8.3f s\n' "$s" "$(checkov --version)" "$c"
awk -v s="$s" -v c="$c" 'BEGIN { printf "ratio: srehub lint is %.0fx faster than checkov\n", c / s }'
