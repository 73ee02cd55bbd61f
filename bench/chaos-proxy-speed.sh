#!/usr/bin/env bash
# srehub chaos proxy's cost and accuracy: wrk against nginx directly and through the proxy with no toxic
# (the ratio is the proxy's overhead), then through a 50 ms latency toxic (the added latency should be
# 50 ms, not more). toxiproxy (Go) is not installed here, so it is not run side by side; the same
# script takes TOXIPROXY=path/to/toxiproxy-server to add it. Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
command -v wrk > /dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx is not installed (apt-get install nginx-light)"; exit 1; }
cargo build --release --locked --quiet
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2> /dev/null || true; [ -f "$dir/nginx.pid" ] && kill "$(cat "$dir/nginx.pid")" 2> /dev/null || true; rm -rf "$dir"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
web=$(free_port); prox=$(free_port); api=$(free_port)
mkdir -p "$dir/www"; head -c 612 /dev/zero | tr '\0' 'x' > "$dir/www/index.html"
cat > "$dir/nginx.conf" <<CONF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen 127.0.0.1:$web; root $dir/www; }
}
CONF
"$NGINX" -c "$dir/nginx.conf" -e "$dir/nginx-error.log"
target/release/srehub chaos proxy --listen "127.0.0.1:$prox" --upstream "127.0.0.1:$web" --api "127.0.0.1:$api" 2> "$dir/proxy.log" &
for _ in $(seq 100); do curl -s -o /dev/null "127.0.0.1:$api/version" && break; sleep 0.1; done
run() { wrk -t1 -c32 -d"$DURATION" --latency "$1" 2>&1; }
rps() { awk '/Requests\/sec/ {print $2}'; }
p50() { awk '$1 == "50%" {print $2}'; }
d=$(run "http://127.0.0.1:$web/index.html"); p=$(run "http://127.0.0.1:$prox/index.html")
printf 'direct to nginx:               %10.0f req/s, p50 %s\n' "$(echo "$d" | rps)" "$(echo "$d" | p50)"
printf 'through srehub chaos proxy:    %10.0f req/s, p50 %s\n' "$(echo "$p" | rps)" "$(echo "$p" | p50)"
awk -v p="$(echo "$p" | rps)" -v d="$(echo "$d" | rps)" 'BEGIN { printf "the proxy keeps %.0f %% of the direct throughput\n", 100 * p / d }'
if [ -n "${TOXIPROXY:-}" ]; then
  tapi=$(free_port); tprox=$(free_port)
  "$TOXIPROXY" -host 127.0.0.1 -port "$tapi" > "$dir/toxiproxy.log" 2>&1 &
  for _ in $(seq 100); do curl -s -o /dev/null "127.0.0.1:$tapi/version" && break; sleep 0.1; done
  curl -s -X POST "127.0.0.1:$tapi/proxies" \
    -d "{\"name\": \"main\", \"listen\": \"127.0.0.1:$tprox\", \"upstream\": \"127.0.0.1:$web\"}" > /dev/null
  t=$(run "http://127.0.0.1:$tprox/index.html")
  printf 'through toxiproxy:             %10.0f req/s, p50 %s\n' "$(echo "$t" | rps)" "$(echo "$t" | p50)"
  awk -v p="$(echo "$p" | rps)" -v t="$(echo "$t" | rps)" 'BEGIN { printf "ratio: srehub chaos proxy / toxiproxy = %.2f\n", p / t }'
fi
curl -s -X POST "127.0.0.1:$api/proxies/main/toxics" -d '{"type": "latency", "attributes": {"latency": 50}}' > /dev/null
l=$(wrk -t1 -c8 -d5s --latency "http://127.0.0.1:$prox/index.html" 2>&1)
printf 'with a 50 ms latency toxic:    p50 %s, p99 %s\n' "$(echo "$l" | p50)" "$(echo "$l" | awk '$1 == "99%" {print $2}')"
