#!/usr/bin/env bash
# Decrypt and HTTP/2, side by side in one run (Benchmarks/RESULTS.md): journey, nginx (http2 on) and h2o, each
# pinned to CPU 0 with one worker/event loop, the load on CPU 1, all three serving the same files with the same
# ECDSA P-256 certificate (made by `journey cert`).
#
#   Benchmarks/tls.sh                          # REPS=3 DURATION=10s, every test
#   REPS=1 TESTS="h2-1k handshakes" Benchmarks/tls.sh
#
# Tests:
#   h2-1k, h2-64k   h2load -c 64 -m 10 over TLS (ALPN h2): requests/s
#   https-1k        wrk -c 64 over HTTPS/1.1 (keep-alive)
#   handshakes      wrk -c 64 over HTTPS/1.1 with Connection: close: a TLS handshake per request
#   memory          one 1 GiB download over h2 and one over HTTPS/1.1 (curl): journey's peak RSS (VmHWM) —
#                   file bodies under TLS are read in chunks, so it must stay flat
# As in compare.sh, the load generator can saturate its core before the servers do: the figure that compares
# the servers is requests per server CPU-second, printed beside req/s.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
REPS="${REPS:-3}"
DURATION="${DURATION:-10s}"
TESTS="${TESTS:-h2-1k h2-64k https-1k handshakes memory}"
SERVERS="${SERVERS:-journey nginx h2o}"
WORK="$(mktemp -d /tmp/journey-tls-bench.XXXXXX)"
declare -A PID PORT=([journey]=19443 [nginx]=19444 [h2o]=19445)
trap 'for p in "${PID[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

need=()
for tool in wrk nginx h2o h2load curl; do
    command -v "$tool" >/dev/null || need+=("$([ "$tool" = h2load ] && echo nghttp2-client || echo "$tool")")
done
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
JOURNEY="$("$ROOT/Scripts/release/build")"  # the binary we ship (Scripts/release/build)

WWW="$WORK/www"
mkdir -p "$WWW" "$WORK/nginx"
head -c 1024 /dev/urandom > "$WWW/1k.bin"
head -c 65536 /dev/urandom > "$WWW/64k.bin"
"$JOURNEY" cert --folder "$WORK/tls" --host localhost >/dev/null
CERT="$WORK/tls/cert.pem" KEY="$WORK/tls/key.pem"

cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 16384; use epoll; }
http {
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    open_file_cache max=1000 inactive=60s;
    keepalive_requests 10000000;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:${PORT[nginx]} ssl http2 backlog=4096;   # Debian's nginx 1.22: http2 on the listen line
        http2_max_concurrent_streams 128;
        ssl_certificate $CERT;
        ssl_certificate_key $KEY;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:1m;
        root $WWW;
    }
}
CONF
cat > "$WORK/h2o.conf" <<CONF
num-threads: 1
user: root
pid-file: $WORK/h2o.pid
error-log: $WORK/h2o-error.log
max-connections: 16384
listen:
  host: 127.0.0.1
  port: ${PORT[h2o]}
  ssl:
    certificate-file: $CERT
    key-file: $KEY
    minimum-version: TLSv1.2
hosts:
  "default":
    paths:
      /:
        file.dir: $WWW
CONF

start() { # name
    case "$1" in
        journey) taskset -c 0 "$JOURNEY" serve "$WWW" --port "${PORT[journey]}" --threads 1 --backlog 4096 \
                     --log-level error --tls-cert "$CERT" --tls-key "$KEY" >"$WORK/journey.log" 2>&1 & ;;
        nginx) taskset -c 0 nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" >"$WORK/nginx.log" 2>&1 & ;;
        h2o) taskset -c 0 h2o -c "$WORK/h2o.conf" >"$WORK/h2o.log" 2>&1 & ;;
    esac
    PID[$1]=$!
    for _ in $(seq 1 100); do
        [ "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:${PORT[$1]}/1k.bin")" = 200 ] && return 0
        sleep 0.1
    done
    echo "$1 did not start" >&2; exit 1
}
ticks() { awk '{s=0; for (i=14; i<=15; i++) s+=$i; print s}' "/proc/$1/stat"; }
tree_ticks() { # a server and its children (h2o forks)
    local total=0 pid
    for pid in $1 $(pgrep -P "$1" || true); do total=$((total + $(ticks "$pid"))); done
    echo "$total"
}
rss_kb() { awk -v f="$2:" '$1==f {print $2}' "/proc/$1/status"; }

run_load() { # test port → "requests/s"
    local url="https://127.0.0.1:$2"
    case "$1" in
        h2-1k) taskset -c 1 h2load -n 400000 -c 64 -m 10 -D "${DURATION%s}" "$url/1k.bin" 2>&1 | awk '/^finished in/ {print $4}' ;;
        h2-64k) taskset -c 1 h2load -n 100000 -c 64 -m 10 -D "${DURATION%s}" "$url/64k.bin" 2>&1 | awk '/^finished in/ {print $4}' ;;
        https-1k) taskset -c 1 wrk -t1 -c64 -d"$DURATION" "$url/1k.bin" 2>&1 | awk '/Requests\/sec/ {print $2}' ;;
        handshakes) taskset -c 1 wrk -t1 -c64 -d"$DURATION" -H "Connection: close" "$url/1k.bin" 2>&1 |
                        awk '/Requests\/sec/ {print $2}' ;;
    esac
}

RAW="$WORK/raw.tsv"
: > "$RAW"
for name in $SERVERS; do start "$name"; done
for rep in $(seq 1 "$REPS"); do
    order="$SERVERS"; [ $((rep % 2)) -eq 0 ] && order="$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' ')"
    for test in $TESTS; do
        [ "$test" = memory ] && continue
        for name in $order; do
            DURATION=2s run_load "$test" "${PORT[$name]}" >/dev/null || true  # warm-up
            t0=$(date +%s.%N); c0=$(tree_ticks "${PID[$name]}")
            rps=$(run_load "$test" "${PORT[$name]}" | tr -d ',' | head -1)
            t1=$(date +%s.%N); c1=$(tree_ticks "${PID[$name]}")
            printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$test" "$name" "${rps:-0}" "$t0" "$t1" "$((c1 - c0))" >> "$RAW"
            echo "rep $rep $test $name: ${rps:-0} req/s" >&2
        done
    done
done

python3 - "$RAW" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
hz = int(sys.argv[2])
rows = {}
for line in open(sys.argv[1]):
    test, name, rps, t0, t1, ticks = line.rstrip("\n").split("\t")
    seconds = float(t1) - float(t0)
    cpu = int(ticks) / hz / seconds if seconds else 0
    rows.setdefault(test, {}).setdefault(name, []).append((float(rps), float(rps) / cpu if cpu else 0, cpu))
print("| test | server | req/s | server CPU | req per CPU-s | journey / best of nginx, h2o (req/s) | (per CPU-s) |")
print("|---|---|---:|---:|---:|---:|---:|")
for test, servers in rows.items():
    med = {n: [statistics.median(s[i] for s in ss) for i in range(3)] for n, ss in servers.items()}
    others = [n for n in med if n != "journey"]
    best = max((med[n][0] for n in others), default=0)
    best_cpu = max((med[n][1] for n in others), default=0)
    for name, (rps, per_cpu, cpu) in med.items():
        ratio = ("%.2fx" % (rps / best)) if name == "journey" and best else ""
        ratio_cpu = ("%.2fx" % (per_cpu / best_cpu)) if name == "journey" and best_cpu else ""
        print("| %s | %s | %.0f | %.0f%% | %.0f | %s | %s |" % (test, name, rps, cpu * 100, per_cpu, ratio, ratio_cpu))
PY

if [[ " $TESTS " == *" memory "* ]]; then
    head -c 1073741824 /dev/zero > "$WWW/1g.bin"
    before=$(rss_kb "${PID[journey]}" VmRSS)
    for flag in --http2 --http1.1; do
        taskset -c 1 curl -sk "$flag" -o /dev/null -w "  1 GiB over %{http_version}: %{size_download} bytes in %{time_total} s\n" \
            "https://127.0.0.1:${PORT[journey]}/1g.bin"
    done
    echo "journey RSS before the downloads: $((before / 1024)) MiB; peak (VmHWM) after them: $(( $(rss_kb "${PID[journey]}" VmHWM) / 1024 )) MiB"
fi
