#!/usr/bin/env bash
# srehub serve vs nginx on the same bytes, one run, side by side (wrk, 2 threads, 64 connections):
# the hub answers a cached ~2.4 KB JSON route (/api/v1/k8s/demo/nodes?limit=1) with its full middleware
# stack (API key check, request id, JSON access log, metrics); nginx serves the same bytes as a static
# file with its access log on. The issue's goal: at least 50 % of nginx's requests per second, p99 under
# 15 ms. Needs wrk and nginx (Debian: wrk, nginx-light). Traffic stays on 127.0.0.1.
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
hub=$(free_port)
web=$(free_port)
reg=$(free_port)
key=bench-key-$$
printf 'keys:\n  - name: bench\n    sha256: %s\n    scopes: [clusters]\n' "$(printf %s "$key" | sha256sum | cut -d' ' -f1)" > "$dir/keys.yaml"
printf '    - name: fill\n      sha256: %s\n      scopes: [registry]\n' "$(printf %s "fill-$key" | sha256sum | cut -d' ' -f1)" | sed 's/^  //' >> "$dir/keys.yaml"
target/release/srehub serve --listen "127.0.0.1:$hub" --cluster demo=examples/demo-cluster \
  --registry "http://127.0.0.1:$reg" \
  --api-keys "$dir/keys.yaml" --rate-limit 10000000 --log-format json > "$dir/hub.log" 2>&1 &
for _ in $(seq 100); do curl -s -o /dev/null "127.0.0.1:$hub/healthz" && break; sleep 0.1; done
route="/api/v1/k8s/demo/nodes?limit=1"
curl -s -H "Authorization: Bearer $key" "127.0.0.1:$hub$route" > "$dir/body.json"
bytes=$(wc -c < "$dir/body.json")
mkdir -p "$dir/www"
cp "$dir/body.json" "$dir/www/nodes.json"
cat > "$dir/nginx.conf" <<CONF
worker_processes 2;
pid $dir/nginx.pid;
error_log $dir/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log $dir/nginx-access.log;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen 127.0.0.1:$web; root $dir/www; default_type application/json; }
  # A registry's tag lists and manifests, for filling the hub's cache with distinct entries.
  server {
    listen 127.0.0.1:$reg; default_type application/json; access_log off;
    location = /v2/ { return 200 '{}'; }
    location ~ ^/v2/(.+)/tags/list\$ { return 200 '{"name":"\$1","tags":["1.0.0","1.1.0","1.2.0","2.0.0","2.1.0"]}'; }
    location ~ /manifests/ {
      add_header Docker-Content-Digest sha256:5b1c0e7a8f3d2e4c6a9b0d1f2e3c4b5a6d7e8f90a1b2c3d4e5f60718293a4b5c;
      return 200 '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":1512,"digest":"sha256:c0"},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":3000000,"digest":"sha256:l1"},{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":1200000,"digest":"sha256:l2"}]}';
    }
  }
}
CONF
"$NGINX" -c "$dir/nginx.conf" -e "$dir/nginx-error.log"
sleep 0.5
run() { wrk -t2 -c64 -d"$DURATION" --latency "$@" 2>&1; }
n=$(run "http://127.0.0.1:$web/nodes.json")
s=$(run -H "Authorization: Bearer $key" "http://127.0.0.1:$hub$route")
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '$1 == "99%" {print $2}'; }
nr=$(echo "$n" | rps); sr=$(echo "$s" | rps)
printf 'response: %d bytes\n' "$bytes"
printf 'nginx (static file):          %10.0f req/s, p99 %s\n' "$nr" "$(echo "$n" | p99)"
printf 'srehub serve (cached route):  %10.0f req/s, p99 %s\n' "$sr" "$(echo "$s" | p99)"
awk -v s="$sr" -v n="$nr" 'BEGIN { printf "ratio: srehub reaches %.0f %% of nginx\n", 100 * s / n }'
errors=$(echo "$s" | awk '/Non-2xx/ {print $NF}')
[ -z "$errors" ] || echo "srehub non-2xx answers: $errors"
printf 'srehub RSS after the run: %d MiB\n' "$(( $(awk '/VmRSS/ {print $2}' /proc/$(pgrep -f "srehub serve --listen 127.0.0.1:$hub")/status) / 1024 ))"

# Memory with a full cache: 10,000 distinct entries (each image's tags with their manifests, ~0.9 KB of
# JSON), requested once each through the whole stack, then RSS and the cache's own count.
pid=$(pgrep -f "srehub serve --listen 127.0.0.1:$hub")
cat > "$dir/fill.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  if n > 10000 then n = 1 end
  return wrk.format("GET", string.format("/api/v1/registry/images/team/app-%05d/tags", n))
end
LUA
wrk -t1 -c16 -d"${FILL:-20s}" -s "$dir/fill.lua" -H "Authorization: Bearer fill-$key" "http://127.0.0.1:$hub" > "$dir/fill.txt" 2>&1
entries=$(curl -s "127.0.0.1:$hub/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cache"]["entries"])')
sample=$(curl -s -H "Authorization: Bearer fill-$key" "127.0.0.1:$hub/api/v1/registry/images/team/app-00001/tags" | wc -c)
printf 'cache filled: %s entries (a sample answer: %d bytes); %s\n' "$entries" "$sample" "$(awk '/requests in/' "$dir/fill.txt" | xargs)"
printf 'srehub RSS with the full cache: %d MiB\n' "$(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 ))"
