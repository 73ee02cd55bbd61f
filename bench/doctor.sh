#!/usr/bin/env bash
# Doctor benchmark: `srehub doctor --snapshot` end to end on a synthetic 5,000-node, 100,000-pod,
# 50,000-event `kubectl get -o json` dump, against `jq -c '.items[]'` merely parsing the same file.
# Prints wall time and peak memory of both (median of RUNS runs) and the ratio.
#
#   bench/doctor.sh            # generates /tmp/srehub-bench/big.json once, then measures
#   RUNS=5 bench/doctor.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
dir=${BENCH_DIR:-/tmp/srehub-bench}
mkdir -p "$dir"
file="$dir/big.json"
if [ ! -s "$file" ]; then
  python3 bench/gen_snapshot.py --nodes 5000 --pods 100000 --events 50000 -o "$file"
fi
cargo build --release --locked --quiet
bin=target/release/srehub
command -v jq >/dev/null || { echo "jq is needed (apt-get install jq)"; exit 1; }

# measure NAME CMD... : runs CMD RUNS times under /usr/bin/time, prints the median wall seconds and peak RSS.
measure() {
  local name=$1; shift
  local walls=() rss=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f '%e %M' -o "$dir/time.txt" "$@" > /dev/null 2>&1 || true
    read -r w m < <(tail -n 1 "$dir/time.txt")
    walls+=("$w"); rss+=("$m")
  done
  local wmed mmed
  wmed=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  mmed=$(printf '%s\n' "${rss[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-34s %8.2f s %8.0f MiB\n' "$name" "$wmed" "$((mmed / 1024))"
  echo "$wmed" > "$dir/$name.wall"
}

echo "input: $(du -h "$file" | cut -f1) $file; $RUNS runs each, median; $(nproc) cores"
echo "jq: $(jq --version)"
measure "srehub doctor --snapshot" "$bin" doctor --snapshot "$file" -o json
measure "jq -c '.items[]'" sh -c "jq -c '.items[]' '$file' > /dev/null"
s=$(cat "$dir/srehub doctor --snapshot.wall"); j=$(cat "$dir/jq -c '.items[]'.wall")
awk -v s="$s" -v j="$j" 'BEGIN { printf "ratio: srehub doctor is %.1fx faster than jq parsing the same file\n", j / s }'
