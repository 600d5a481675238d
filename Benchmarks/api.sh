#!/usr/bin/env bash
# The library's routed path against Hummingbird 2, Vapor 4 and nginx's `return 200`, side by side in one run.
#
#   Benchmarks/api.sh                          # REPS=3 DURATION=10s
#   PEERS=/tmp/jb/peers REPS=1 DURATION=5s Benchmarks/api.sh
#
# Servers, each pinned to CPU 0 with one event loop (nginx: one worker), wrk on CPU 1, 64 connections:
#   todo         Examples/TodoAPI's todo-api (release), its middleware on (X-Request-ID, CORS), as deployed
#   hummingbird  ../shared/peers' Hummingbird 2 peer; vapor: its Vapor 4 peer (PEERS: a copy of ../shared/peers,
#                built with `swift build -c release` in each peer's folder)
#   nginx        `location = /plaintext { return 200 "Hello, World!"; }` and a `/json` of the same kind
#   route-1, route-500   journey-route-load: GET /users/{id}/posts/{post} as the only route, and among 500
#   mw-0, mw-5           journey-route-load: GET /plaintext with no middleware, and inside 5 that only call next
#   floor, floor-async   journey-nio-floor --sync / --async (Benchmarks/NIOFloor): `Hello, World!` for every request
#                        head, with no parsing, from the read itself or from an async function run as a task on the
#                        loop: the least a NIO server can spend, and the least it can spend with an async handler
# Tests: plaintext (GET /plaintext), json (GET /json), route (GET /users/1/posts/2). The figure that compares the
# servers is requests per server CPU-second (req/s divided by the CPU the server used), medians over REPS.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
REPS="${REPS:-3}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-2s}"
PEERS="${PEERS:-/tmp/jb/peers}"
SERVERS="${SERVERS:-todo hummingbird vapor nginx route-1 route-500 mw-0 mw-5 floor floor-async}"
WORK="$(mktemp -d /tmp/journey-api-bench.XXXXXX)"
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

echo "building todo-api and journey-route-load (release)…" >&2
# One build folder for both (the example's): the dependencies are built once.
SCRATCH="$ROOT/Examples/TodoAPI/.build"
(cd "$ROOT/Examples/TodoAPI" && swift build -c release --product todo-api >/dev/null)
TODO_API="$(cd "$ROOT/Examples/TodoAPI" && swift build -c release --show-bin-path)/todo-api"
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product journey-route-load >/dev/null)
ROUTE_LOAD="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/journey-route-load"
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product journey-nio-floor >/dev/null)
FLOOR="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/journey-nio-floor"

mkdir -p "$WORK/nginx" "$WORK/www" "$WORK/uploads"
cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 16384; use epoll; }
http {
    access_log off;
    keepalive_requests 10000000;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    server {
        listen 127.0.0.1:18181 backlog=4096;
        location = /plaintext { default_type text/plain; return 200 "Hello, World!"; }
        location = /json { default_type application/json; return 200 '{"message":"Hello, World!"}'; }
    }
}
CONF

port_of() {
    case "$1" in
        todo) echo 18180 ;; nginx) echo 18181 ;; hummingbird) echo 18182 ;; vapor) echo 18183 ;;
        route-1) echo 18184 ;; route-500) echo 18185 ;; mw-0) echo 18186 ;; mw-5) echo 18187 ;;
        floor) echo 18188 ;; floor-async) echo 18189 ;;
    esac
}
declare -A PID
start() { # name
    local port; port=$(port_of "$1")
    case "$1" in
        todo) taskset -c 0 "$TODO_API" --port "$port" --database "$WORK/todos.sqlite" --uploads "$WORK/uploads" \
                  --cors-origin https://app.example --threads 1 >"$WORK/todo.log" 2>&1 & ;;
        nginx) taskset -c 0 nginx -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log" >"$WORK/nginx.log" 2>&1 & ;;
        hummingbird) taskset -c 0 "$PEERS/hummingbird-peer/.build/release/HummingbirdPeer" "$port" "$WORK/www" \
                         >"$WORK/hummingbird.log" 2>&1 & ;;
        vapor) taskset -c 0 "$PEERS/vapor-peer/.build/release/VaporPeer" "$port" "$WORK/www" \
                   >"$WORK/vapor.log" 2>&1 & ;;
        route-1) taskset -c 0 "$ROUTE_LOAD" --port "$port" --routes 1 >"$WORK/$1.log" 2>&1 & ;;
        route-500) taskset -c 0 "$ROUTE_LOAD" --port "$port" --routes 500 >"$WORK/$1.log" 2>&1 & ;;
        mw-0) taskset -c 0 "$ROUTE_LOAD" --port "$port" --middleware 0 >"$WORK/$1.log" 2>&1 & ;;
        mw-5) taskset -c 0 "$ROUTE_LOAD" --port "$port" --middleware 5 >"$WORK/$1.log" 2>&1 & ;;
        floor) taskset -c 0 "$FLOOR" --sync "$port" >"$WORK/$1.log" 2>&1 & ;;
        floor-async) taskset -c 0 "$FLOOR" --async "$port" >"$WORK/$1.log" 2>&1 & ;;
    esac
    PID[$1]=$!
    local path; path=$(path_of "$(tests_of "$1" | awk '{print $1}')")
    for _ in $(seq 1 200); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")" = 200 ] && return 0
        sleep 0.1
    done
    echo "$1 did not start" >&2; cat "$WORK/$1.log" >&2 || true; exit 1
}
stop_all() { for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; wait "${PID[$name]}" 2>/dev/null || true; done; }
ticks() { awk '{print $14+$15}' "/proc/$1/stat"; }
tests_of() {
    case "$1" in
        todo|hummingbird|vapor|nginx) echo "plaintext json" ;; route-*) echo route ;; mw-*|floor*) echo plaintext ;;
    esac
}
path_of() { case "$1" in plaintext) echo /plaintext ;; json) echo /json ;; route) echo /users/1/posts/2 ;; esac; }

RAW="$WORK/raw.tsv"
: > "$RAW"
for name in $SERVERS; do start "$name"; done
for rep in $(seq 1 "$REPS"); do
    order="$SERVERS"; [ $((rep % 2)) -eq 0 ] && order="$(echo "$SERVERS" | tr ' ' '\n' | tac | tr '\n' ' ')"
    for name in $order; do
        for test in $(tests_of "$name"); do
            url="http://127.0.0.1:$(port_of "$name")$(path_of "$test")"
            taskset -c 1 wrk -t1 -c64 -d"$WARMUP" "$url" >/dev/null 2>&1 || true
            t0=$(date +%s.%N); c0=$(ticks "${PID[$name]}")
            out=$(taskset -c 1 wrk -t1 -c64 -d"$DURATION" --timeout 5s --latency "$url" 2>&1)
            t1=$(date +%s.%N); c1=$(ticks "${PID[$name]}")
            rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
            errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$rep" "$test" "$name" "$rps" "$t0" "$t1" "$((c1 - c0))" \
                "$errors" >> "$RAW"
            echo "rep $rep $test $name: $rps req/s $errors" >&2
        done
    done
done

python3 - "$RAW" "$(getconf CLK_TCK)" <<'PY'
import statistics, sys
raw, hz = sys.argv[1], int(sys.argv[2])
rows = {}
for line in open(raw):
    rep, test, name, rps, t0, t1, ticks, errors = (line.rstrip("\n").split("\t") + [""])[:8]
    seconds = float(t1) - float(t0)
    cpu = int(ticks) / hz / seconds
    per_cpu = float(rps) / cpu if cpu > 0 else 0
    rows.setdefault((test, name), []).append((float(rps), cpu, per_cpu, errors.strip()))
median = {key: (statistics.median(r[0] for r in v), statistics.median(r[1] for r in v),
                statistics.median(r[2] for r in v), any(r[3] for r in v)) for key, v in rows.items()}
print("| test | server | req/s | server CPU | req per server CPU-second | errors |")
print("|---|---|---:|---:|---:|---|")
for (test, name), (rps, cpu, per_cpu, errors) in sorted(median.items()):
    print(f"| {test} | {name} | {rps:,.0f} | {cpu:.2f} | {per_cpu:,.0f} | {'yes' if errors else ''} |")
def ratio(test, a, b):
    if (test, a) in median and (test, b) in median and median[(test, b)][2] > 0:
        return f"{median[(test, a)][2] / median[(test, b)][2]:.2f}x"
    return "n/a"
print()
print(f"- plaintext: todo-api / Hummingbird {ratio('plaintext', 'todo', 'hummingbird')}, / Vapor "
      f"{ratio('plaintext', 'todo', 'vapor')}, / nginx return 200 {ratio('plaintext', 'todo', 'nginx')}")
print(f"- json: todo-api / Hummingbird {ratio('json', 'todo', 'hummingbird')}, / Vapor {ratio('json', 'todo', 'vapor')}, "
      f"/ nginx {ratio('json', 'todo', 'nginx')}")
print(f"- a two-parameter route among 500 / as the only route: {ratio('route', 'route-500', 'route-1')} "
      "(per CPU-second: below 1 is a cost)")
print(f"- 5 empty middleware / none, on /plaintext: {ratio('plaintext', 'mw-5', 'mw-0')}")
print(f"- the floors, on /plaintext: async / nginx {ratio('plaintext', 'floor-async', 'nginx')}, async / Hummingbird "
      f"{ratio('plaintext', 'floor-async', 'hummingbird')}, sync / nginx {ratio('plaintext', 'floor', 'nginx')}, "
      f"todo-api / async floor {ratio('plaintext', 'todo', 'floor-async')}")
PY
