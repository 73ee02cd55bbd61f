#!/usr/bin/env bash
# srehub logs speed, side by side with its peers, on one core (taskset -c 0):
#  1. template mining on the eight Loghub-2k samples concatenated and repeated to >= 300,000 lines,
#     srehub logs templates vs drain3 (pip install drain3) with its default settings;
#  2. parsing JSON lines and logfmt to typed fields (MB/s; a filter that keeps nothing, so the figure
#     is parsing, not writing output);
#  3. plain lines and a substring filter vs grep -c on the same file.
# Inputs are generated under BENCH_DIR (default /tmp/srehub-bench). The Loghub samples are read from
# ../shared/data/loghub when present (LOGHUB_DIR overrides); otherwise step 1 uses generated lines.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/srehub-bench}/logs
data=${LOGHUB_DIR:-../shared/data/loghub}
mkdir -p "$dir"
cargo build --release --locked --quiet
bin=target/release/srehub
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# Output goes to a file, not /dev/null: GNU grep stops at the first match when it writes to /dev/null.
time_it() { local s e; s=$(date +%s.%N); "$@" > "$dir/.out" 2>&1 || true; e=$(date +%s.%N); echo "$e - $s" | bc; }
best() { for _ in $(seq "$RUNS"); do time_it "$@"; done | median; }

# 1. Template mining.
corpus=$dir/loghub-300k.log
if [ ! -s "$corpus" ]; then
  if [ -d "$data" ]; then
    for _ in $(seq 19); do for f in "$data"/*/*_2k.log; do tr -d '\r' < "$f"; done; done > "$corpus"
  else
    python3 bench/gen_logs.py --kind plain --lines 304000 > "$corpus"
  fi
fi
lines=$(wc -l < "$corpus")
s=$(best taskset -c 0 "$bin" logs templates "$corpus" --format plain -o json)
printf 'srehub logs templates: %d lines in %.3f s = %.0f lines/s (one core)\n' "$lines" "$s" "$(echo "$lines / $s" | bc -l)"
if python3 -c 'import drain3' 2> /dev/null; then
  d=$(RUNS=1 best taskset -c 0 python3 bench/drain3_run.py "$corpus")
  printf 'drain3 %s (defaults): %.3f s = %.0f lines/s (one core)\n' "$(pip show drain3 2> /dev/null | awk '/^Version/ {print $2}')" "$d" "$(echo "$lines / $d" | bc -l)"
  awk -v s="$s" -v d="$d" 'BEGIN { printf "ratio: srehub mines %.0fx the lines per second of drain3\n", d / s }'
else
  echo "drain3 not installed (pip install drain3): no side-by-side run"
fi

# 2. Parsing structured lines.
json=$dir/app.jsonl
logfmt=$dir/app.logfmt
[ -s "$json" ] || python3 bench/gen_logs.py --kind json --mb 400 > "$json"
[ -s "$logfmt" ] || python3 bench/gen_logs.py --kind logfmt --mb 400 > "$logfmt"
for f in "$json" "$logfmt"; do
  kind=${f##*.}
  mb=$(($(stat -c %s "$f") / 1000000))
  t=$(best taskset -c 0 "$bin" logs parse "$f" --format "${kind/jsonl/json}" --where 'level>=fatal')
  printf 'srehub logs parse (%s): %d MB in %.3f s = %.0f MB/s (one core)\n' "$kind" "$mb" "$t" "$(echo "$mb / $t" | bc -l)"
done

# 3. Plain lines and a substring filter vs grep -c.
plain=$dir/app.log
[ -s "$plain" ] || python3 bench/gen_logs.py --kind plain --mb 400 > "$plain"
g=$(best taskset -c 0 grep -c ERROR "$plain")
t=$(best taskset -c 0 "$bin" logs parse "$plain" --format plain --where 'msg~ERROR' --count)
printf 'grep -c ERROR: %.3f s; srehub logs parse --format plain --where msg~ERROR --count: %.3f s (%.2fx grep)\n' "$g" "$t" "$(echo "$t / $g" | bc -l)"
printf 'same count: grep %s, srehub %s\n' "$(grep -c ERROR "$plain")" "$("$bin" logs parse "$plain" --format plain --where 'msg~ERROR' --count)"
