#!/usr/bin/env bash
# srehub alerts analyze, side by side with the same analysis in Python (bench/alerts_reference.py),
# on a saved history of 1,000,000 ALERTS samples in 1,000 series (bench/gen_alert_history.py), one core
# each. Both read the same JSON file; their counts (episodes, flapping instances, correlated pairs)
# are compared so both did the same work. srehub also computes rule statistics, advice, the heatmap
# and the report, which the reference does not.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/srehub-bench}/alerts
mkdir -p "$dir"
cargo build --release --locked --quiet
bin=target/release/srehub
hist=$dir/history-1m.json
[ -s "$hist" ] || python3 bench/gen_alert_history.py --series 1000 --samples 1000 > "$hist"
samples=$(python3 -c "import json,sys; h=json.load(open('$hist')); print(sum(len(s['samples']) for s in h['firing']))")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_it() { local s e; s=$(date +%s.%N); "$@" > "$dir/.out" 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
best() { for _ in $(seq "$RUNS"); do time_it "$@"; done | median; }
t=$(best taskset -c 0 "$bin" alerts analyze --history "$hist" -o json --analysis-json "$dir/analysis.json")
p=$(RUNS=1 best taskset -c 0 python3 bench/alerts_reference.py "$hist")
python3 bench/alerts_reference.py "$hist" > "$dir/reference.json"
python3 - "$dir/analysis.json" "$dir/reference.json" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
mine = {"episodes": sum(len(i["episodes"]) for i in a["instances"]),
        "flapping_instances": sum(1 for i in a["instances"] if i["flapping"]["periods"] > 0),
        "correlated_pairs": len(a["correlations"])}
print("srehub:", mine); print("python:", r)
sys.exit(0 if mine == r else "the two analyses disagree")
PY
printf 'srehub alerts analyze: %d samples in %.3f s (one core)\n' "$samples" "$t"
printf 'python reference:      %d samples in %.3f s (one core)\n' "$samples" "$p"
awk -v s="$t" -v p="$p" 'BEGIN { printf "ratio: srehub is %.1fx faster\n", p / s }'
