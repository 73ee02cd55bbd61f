#!/usr/bin/env bash
# srehub load vs wrk against the same nginx on 127.0.0.1, one run, side by side: 64 connections, closed
# model, a 612-byte static page. Prints each tool's requests per second and p99, and the ratio; then
# srehub's open model at a fixed rate, with the achieved rate. Both generators share the machine with
# nginx (2 cores here), as they would in CI. Needs wrk and nginx (Debian: wrk, nginx-light); oha is
# compared too when it is installed. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
RATE=${RATE:-5000}
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install nginx-light)"; exit 1; }
cargo build --release --locked --quiet
dir=$(mktemp -d)
trap '[ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2> /dev/null || true; rm -rf "$dir"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/www"
head -c 612 /dev/zero | tr '\0' 'x' > "$dir/www/index.html"
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen 127.0.0.1:$port; root $dir/www; }
}
CONF
"$NGINX" -c "$dir/nginx.conf" -e "$dir/nginx-error.log"
sleep 0.5
url="http://127.0.0.1:$port/index.html"
echo "target: nginx, 1 worker, 612-byte page; $CONNECTIONS connections for $DURATION"
w=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" 2>&1)
wr=$(echo "$w" | awk '/Requests\/sec/ {print $2}')
wp=$(echo "$w" | awk '$1 == "99%" {print $2}')
s=$(target/release/srehub load "$url" -c "$CONNECTIONS" -z "$DURATION" -o json --no-tui)
sr=$(echo "$s" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests_per_second"])')
sp=$(echo "$s" | python3 -c 'import json,sys; print(json.load(sys.stdin)["latency_ms"]["p99"])')
printf '%-34s %10.0f req/s  p99 %s\n' "wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}') (-t1)" "$wr" "$wp"
printf '%-34s %10.0f req/s  p99 %.2fms\n' "srehub load" "$sr" "$sp"
awk -v s="$sr" -v w="$wr" 'BEGIN { printf "ratio: srehub load sends %.2f× the requests per second of wrk\n", s / w }'
if command -v oha > /dev/null; then
  o=$(oha -c "$CONNECTIONS" -z "$DURATION" --no-tui --output-format json "$url")
  orps=$(echo "$o" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requestsPerSec"])')
  printf '%-34s %10.0f req/s\n' "oha" "$orps"
  awk -v s="$sr" -v o="$orps" 'BEGIN { printf "ratio: srehub load / oha = %.2f\n", s / o }'
fi
o=$(target/release/srehub load "$url" -q "$RATE" -c "$CONNECTIONS" -z "$DURATION" -o json --no-tui)
echo "$o" | python3 -c '
import json, sys
d = json.load(sys.stdin)
u = d["latency_uncorrected_ms"]["p99"]
print("open model at %.0f req/s: achieved %.1f req/s, p99 %.2f ms corrected, %.2f ms service time, %d late starts"
      % (d["rate"], d["requests_per_second"], d["latency_ms"]["p99"], u, d["late_starts"]))'
echo "srehub load peak RSS: $( /usr/bin/time -f %M target/release/srehub load "$url" -c "$CONNECTIONS" -z 3s -o json --no-tui 2>&1 >/dev/null | tail -1 ) KiB"
