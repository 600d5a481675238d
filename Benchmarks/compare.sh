#!/usr/bin/env bash
# Journey vs nginx, side by side in one run, on loopback.
#
#   Benchmarks/compare.sh                     # REPS=3 DURATION=10s, all tests
#   REPS=1 DURATION=5s TESTS="1k" Benchmarks/compare.sh
#   SERVERS="journey journey-bare nginx" TESTS=1k Benchmarks/compare.sh   # the cost of the journey
#   NGINX_NOPUSH=off TESTS="1k 1k-close" Benchmarks/compare.sh          # nginx without TCP_CORK on sendfile
#
# journey-bare is journey with --no-journey (no stage clock): the baseline the instrumentation's cost is
# measured against (issue: at most 3 % of requests per second on the 1 KiB test); journey-whole is journey
# with --no-fast-path (every request through llhttp and the request handler). nio-floor (Benchmarks/NIOFloor) is
# the least a SwiftNIO server can do per request: it answers every request with the 1 KiB file's bytes, so use it
# with the 1 KiB tests only (SERVERS="journey nio-floor nginx" TESTS="1k 1k-c1000").
#
# Site configuration (`journey run --config`), for the 1 KiB tests: journey-rules is the folder as a site with 20
# rules (prefixes, exact paths, regular expressions) none of which touches the file, so the file keeps the fast
# path (issue: within 5 % of journey); journey-header has one rule that matches the file and sets a field (every
# request by the full path); journey-gzip compresses on the fly and wrk asks for gzip (the compressed form of the
# hot file is cached).
#   SERVERS="journey journey-rules journey-header journey-gzip nginx" TESTS=1k IDLE_CONNS=0 Benchmarks/compare.sh
#
# Both servers run pinned to CPU 0 (one event loop / one worker, sendfile and an open-file cache on);
# wrk runs pinned to CPU 1. Each test is run REPS times, servers interleaved (order alternating), and
# medians are reported. On this 2-core machine wrk often saturates its core before nginx does, so the
# figure that compares the servers is requests per server CPU-second: req/s divided by the CPU the
# server process used during the run (utime+stime from /proc/PID/stat).
#
# Tests: 1k (1 KiB file, 64 connections), 64k, 1m, 1k-c1000 (1 KiB, 1000 connections),
#        1k-close (1 KiB, a new connection per request). Before them, IDLE_CONNS (10000; 0 for none) idle
#        keep-alive connections are held against each server (Benchmarks/idle.py) and its RSS read.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
REPS="${REPS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
TESTS="${TESTS:-1k 64k 1m 1k-c1000 1k-close}"
IDLE_CONNS="${IDLE_CONNS:-10000}"
SERVERS="${SERVERS:-journey nginx}"
SERVER_CPU="${SERVER_CPU:-0}"
LOAD_CPU="${LOAD_CPU:-1}"
# ACCEPT=shared or ACCEPT=reuseport: both servers on both cores, wrk sharing the cores with them — journey
# --threads 2 --accept ACCEPT, nginx 2 workers (with a reuseport listener for reuseport; for shared, one socket
# its workers share, as journey's loops do).
ACCEPT="${ACCEPT:-}"
THREADS=1 WORKERS=1 MASTER=off REUSEPORT=""
if [ -n "$ACCEPT" ]; then
    SERVER_CPU=0,1 LOAD_CPU=0,1 THREADS=2 WORKERS=2 MASTER=on
    [ "$ACCEPT" = reuseport ] && REUSEPORT=" reuseport"
fi
JOURNEY_PORT=18080
NGINX_PORT=18081
BARE_PORT=18082
WHOLE_PORT=18083
FLOOR_PORT=18084
RULES_PORT=18085
HEADER_PORT=18086
GZIP_PORT=18087
WORK="$(mktemp -d /tmp/journey-bench.XXXXXX)"
trap 'stop_all; [ -n "${KEEP:-}" ] || rm -rf "$WORK"' EXIT

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "building journey (release)…" >&2
JOURNEY="$("$ROOT/Scripts/release/build")"  # the binary we ship (Scripts/release/build)
case " $SERVERS " in *" nio-floor "*) (cd "$ROOT" && swift build -c release --product journey-nio-floor >/dev/null) ;; esac
FLOOR="$(cd "$ROOT" && swift build -c release --show-bin-path)/journey-nio-floor"
# Every server's binary and libraries out of the page cache, alike, as after a reboot: pages a linker has just
# written are mapped in larger pieces on first touch (journey's idle RSS: 13.4 – 14.2 MiB just linked, 13.1 – 13.4
# read back from disk), and nginx's libraries may be hot or cold depending on what ran before.
evict() { # files
    sync "$@"
    python3 -c 'import os, sys
for path in sys.argv[1:]:
    os.posix_fadvise(os.open(path, os.O_RDONLY), 0, 0, os.POSIX_FADV_DONTNEED)' "$@"
}
libraries_of() { ldd "$1" 2>/dev/null | awk '$3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' | sort -u; }
NGINX_BIN="$(command -v nginx)"
evict "$JOURNEY" $(libraries_of "$JOURNEY") "$NGINX_BIN" $(libraries_of "$NGINX_BIN")
[ -x "$FLOOR" ] && evict "$FLOOR"
# NGINX_NOPUSH=off runs nginx with tcp_nopush off: on small files it changes nginx's syscalls per request (no
# TCP_CORK set and cleared around the sendfile), so RESULTS.md records a run with it next to the default (on).
NGINX_NOPUSH="${NGINX_NOPUSH:-on}"

# The same files for both servers.
WWW="$WORK/www"
mkdir -p "$WWW" "$WORK/nginx"
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 > "$WWW/index.html"
head -c 65536 /dev/urandom > "$WWW/64k.bin"
head -c 1048576 /dev/urandom > "$WWW/1m.bin"
# nginx's workers (with ACCEPT set, a master runs them) read the files as an unprivileged user.
chmod -R a+rX "$WORK"

cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process $MASTER;
worker_processes $WORKERS;
worker_rlimit_nofile 65536;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 16384; use epoll; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush $NGINX_NOPUSH;
    tcp_nodelay on;
    open_file_cache max=1000 inactive=60s;
    open_file_cache_valid 1s;
    keepalive_requests 10000000;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server { listen 127.0.0.1:$NGINX_PORT backlog=4096$REUSEPORT; root $WWW; }
}
CONF

# The configuration files of the site variants: the same listener settings as journey's flags above.
site_config() { # port rules-yaml compression-yaml
    cat <<YAML
listeners:
  main: 127.0.0.1:$1
accept: {threads: $THREADS, backlog: 4096${ACCEPT:+, model: $ACCEPT}}
observe: {logLevel: error}
sites:
  - hosts: [bench.test]
    isDefault: true
    staticFiles: {root: "$WWW"}
    rules:
$2
$3
YAML
}
rules20=""
for i in $(seq 0 9); do rules20+="      - {path: /r$i/, headers: {set: {Cache-Control: no-store}}}"$'\n'; done
for i in $(seq 0 4); do rules20+="      - {path: \"= /old$i.html\", redirect: {to: /new$i.html}}"$'\n'; done
for i in $(seq 0 4); do rules20+="      - {path: \"~ ^/post$i/([0-9]+)\$\", redirect: {to: /p/\$1, status: 308}}"$'\n'; done
site_config "$RULES_PORT" "$rules20" "" > "$WORK/rules.yaml"
site_config "$HEADER_PORT" "      - {path: = /index.html, headers: {set: {Cache-Control: max-age=60}}}" "" > "$WORK/header.yaml"
site_config "$GZIP_PORT" "      - {path: /nothing-here/, headers: {set: {X-None: none}}}" "compression: {codings: [gzip]}" \
    > "$WORK/gzip.yaml"

declare -A PID
start() { # name
    case "$1" in
        journey) taskset -c "$SERVER_CPU" "$JOURNEY" serve "$WWW" --port "$JOURNEY_PORT" --threads "$THREADS" \
                     --backlog 4096 --log-level error ${ACCEPT:+--accept "$ACCEPT"} >"$WORK/journey.log" 2>&1 & ;;
        journey-bare) taskset -c "$SERVER_CPU" "$JOURNEY" serve "$WWW" --port "$BARE_PORT" --threads 1 \
                     --backlog 4096 --log-level error --no-journey >"$WORK/journey-bare.log" 2>&1 & ;;
        journey-whole) taskset -c "$SERVER_CPU" "$JOURNEY" serve "$WWW" --port "$WHOLE_PORT" --threads 1 \
                     --backlog 4096 --log-level error --no-fast-path >"$WORK/journey-whole.log" 2>&1 & ;;
        journey-rules|journey-header|journey-gzip)
            taskset -c "$SERVER_CPU" "$JOURNEY" run --config "$WORK/${1#journey-}.yaml" >"$WORK/$1.log" 2>&1 & ;;
        nio-floor) taskset -c "$SERVER_CPU" "$FLOOR" "$WWW/index.html" "$FLOOR_PORT" \
                     >"$WORK/nio-floor.log" 2>&1 & ;;
        nginx) taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" \
                   >"$WORK/nginx.log" 2>&1 & ;;
    esac
    PID[$1]=$!
    local port; port=$(port_of "$1")
    for _ in $(seq 1 100); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/index.html")" = 200 ] && return 0
        sleep 0.1
    done
    echo "$1 did not start" >&2; exit 1
}
stop_all() { for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; wait "${PID[$name]}" 2>/dev/null || true; done; }
port_of() { case "$1" in journey) echo "$JOURNEY_PORT" ;; journey-bare) echo "$BARE_PORT" ;; journey-whole) echo "$WHOLE_PORT" ;; nio-floor) echo "$FLOOR_PORT" ;; journey-rules) echo "$RULES_PORT" ;; journey-header) echo "$HEADER_PORT" ;; journey-gzip) echo "$GZIP_PORT" ;; *) echo "$NGINX_PORT" ;; esac; }
# What wrk sends besides its request line: journey-gzip's clients accept gzip.
asks_of() { [ "$1" = journey-gzip ] && echo "-H Accept-Encoding:gzip" || true; }
# CPU ticks and memory of a server and its children (nginx's workers, with ACCEPT set).
tree() { echo "$1" $(pgrep -P "$1"); }
ticks() { local p; for p in $(tree "$1"); do awk '{print $14+$15}' "/proc/$p/stat"; done | awk '{t += $1} END {print t}'; }
rss_kb() { local p; for p in $(tree "$1"); do awk -v f="$2:" '$1==f {print $2}' "/proc/$p/status"; done | awk '{t += $1} END {print t}'; }

path_of() { case "$1" in 1k|1k-c1000|1k-close) echo /index.html ;; 64k) echo /64k.bin ;; 1m) echo /1m.bin ;; esac; }
conns_of() { [ "$1" = 1k-c1000 ] && echo 1000 || echo 64; }
extra_of() { [ "$1" = 1k-close ] && echo "-H Connection:close" || true; }

RAW="$WORK/raw.tsv"
: > "$RAW"
for name in $SERVERS; do start "$name"; done
declare -A IDLE HELD
for name in $SERVERS; do IDLE[$name]=$(rss_kb "${PID[$name]}" VmRSS); done
# IDLE_CONNS idle keep-alive connections, each after one answered request of the 1 KiB file: the RSS while
# they are held, before any load has grown the heap.
for name in $SERVERS; do
    [ "$IDLE_CONNS" -gt 0 ] || break
    coproc HOLD { python3 "$HERE/idle.py" "$(port_of "$name")" "$IDLE_CONNS" /index.html; }
    read -r ready held <&"${HOLD[0]}" || { echo "idle.py failed against $name" >&2; exit 1; }
    [ "$ready" = ready ] && [ "$held" = "$IDLE_CONNS" ] || { echo "idle.py: $ready $held" >&2; exit 1; }
    HELD[$name]=$(rss_kb "${PID[$name]}" VmRSS)
    exec {HOLD[1]}>&-
    wait "$HOLD_PID" || true
    echo "$name: $IDLE_CONNS idle keep-alive connections: RSS $((HELD[$name] / 1024)) MiB (idle $((IDLE[$name] / 1024)) MiB)" >&2
done

for rep in $(seq 1 "$REPS"); do
    order="$SERVERS"; [ $((rep % 2)) -eq 0 ] && order="$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' ')"
    for test in $TESTS; do
        for name in $order; do
            url="http://127.0.0.1:$(port_of "$name")$(path_of "$test")"
            # shellcheck disable=SC2046
            taskset -c "$LOAD_CPU" wrk -t1 -c"$(conns_of "$test")" -d"$WARMUP" $(extra_of "$test") $(asks_of "$name") "$url" >/dev/null 2>&1 || true
            t0=$(date +%s.%N); c0=$(ticks "${PID[$name]}")
            # shellcheck disable=SC2046
            out=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$(conns_of "$test")" -d"$DURATION" --timeout 5s --latency \
                  $(extra_of "$test") $(asks_of "$name") "$url" 2>&1)
            t1=$(date +%s.%N); c1=$(ticks "${PID[$name]}")
            rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
            p99=$(echo "$out" | awk '$1=="99%" {print $2}')
            errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$test" "$name" "$rps" "$p99" "$t0" "$t1" \
                "$((c1 - c0))" "$errors" >> "$RAW"
            echo "rep $rep $test $name: $rps req/s p99 $p99 $errors" >&2
        done
    done
done
MEMORY="$WORK/memory.tsv"
: > "$MEMORY"
for name in $SERVERS; do
    printf '%s\t%s\t%s\t%s\n' "$name" "${IDLE[$name]}" "$(rss_kb "${PID[$name]}" VmHWM)" "${HELD[$name]:-}" >> "$MEMORY"
done

python3 - "$RAW" "$(getconf CLK_TCK)" "$MEMORY" <<'PY'
import statistics, sys
raw, hz = sys.argv[1], int(sys.argv[2])
memory = [line.rstrip("\n").split("\t") for line in open(sys.argv[3])]
servers = [row[0] for row in memory]
def ms(text):
    text = text or "0ms"
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)
rows = {}
for line in open(raw):
    rep, test, name, rps, p99, t0, t1, ticks, errors = (line.rstrip("\n").split("\t") + [""])[:9]
    seconds = float(t1) - float(t0)
    cpu = int(ticks) / hz / seconds if seconds else 0
    rps = float(rps or 0)
    rows.setdefault((test, name), []).append((rps, ms(p99), rps / cpu if cpu else 0, cpu, errors.strip()))
tests = []
for test, _ in rows:
    if test not in tests:
        tests.append(test)
print("| test | server | req/s | p99 | server CPU | req per CPU-s | ratio req/s | ratio per CPU-s |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
medians = {}
for test in tests:
    med = {}
    for name in servers:
        samples = rows.get((test, name), [])
        if not samples:
            continue
        med[name] = [statistics.median(s[i] for s in samples) for i in range(4)]
    medians[test] = med
    for name in servers:
        if name not in med:
            continue
        rps, p99, per_cpu, cpu = med[name]
        ratio = ratio_cpu = ""
        if name != "nginx" and "nginx" in med and med["nginx"][0] and med["nginx"][2]:
            ratio = "%.2fx" % (rps / med["nginx"][0])
            ratio_cpu = "%.2fx" % (per_cpu / med["nginx"][2])
        print("| %s | %s | %.0f | %.2f ms | %.0f%% | %.0f | %s | %s |" % (test, name, rps, p99, cpu * 100, per_cpu, ratio, ratio_cpu))
if "journey-bare" in servers and "journey" in servers:
    print()
    print("| cost of the journey | req/s journey / journey-bare | per CPU-s journey / journey-bare |")
    print("|---|---:|---:|")
    for test, med in medians.items():
        if "journey" in med and "journey-bare" in med and med["journey-bare"][0] and med["journey-bare"][2]:
            print("| %s | %.3f | %.3f |" % (test, med["journey"][0] / med["journey-bare"][0],
                                         med["journey"][2] / med["journey-bare"][2]))
print()
print("| memory | " + " | ".join(servers) + " |")
print("|---|" + "---:|" * len(servers))
print("| idle RSS | " + " | ".join("%.1f MiB" % (int(row[1]) / 1024) for row in memory) + " |")
print("| peak RSS | " + " | ".join("%.1f MiB" % (int(row[2]) / 1024) for row in memory) + " |")
if all(len(row) > 3 and row[3] for row in memory):
    print("| idle keep-alive connections held: RSS above idle | "
          + " | ".join("%.1f MiB" % ((int(row[3]) - int(row[1])) / 1024) for row in memory) + " |")
errs = sorted({(t, n, s[4]) for (t, n), ss in rows.items() for s in ss if s[4]})
for t, n, e in errs:
    print("\nerrors: %s %s: %s" % (t, n, e))
PY
