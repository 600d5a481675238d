#!/usr/bin/env bash
# RESP benchmark, side by side in one run (Benchmarks/RESULTS.md): redis-benchmark against journey's RESP
# listener and against a real redis-server, each pinned to CPU 0 (journey with one event loop), the load on
# CPU 1, after a warm-up run; the best requests/s of REPS runs per test, the ratio to redis-server, and the
# server CPU used.
#
# usage: Benchmarks/resp.sh        REQUESTS=200000 PIPELINE=16 CLIENTS=50 TESTS=ping,set,get REPS=3
# needs: redis-server and redis-benchmark (apt-get install redis-server redis-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-200000}
PIPELINE=${PIPELINE:-16}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-ping,set,get}
REPS=${REPS:-3}
[ -x .build/release/journey ] || swift build -c release --product journey
WWW=$(mktemp -d)  # a folder to serve, so the dashboard (and its once-a-second /proc scan) is off
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WWW"' EXIT
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start() { # port command...
    local port=$1
    shift
    taskset -c 0 "$@" > /dev/null 2>&1 &
    SERVER=$!
    for _ in $(seq 200); do
        redis-cli -p "$port" PING > /dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "server on $port did not start" >&2
    exit 1
}
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; }

echo "== redis-benchmark -t $TESTS -n $REQUESTS -P $PIPELINE -c $CLIENTS (server on CPU 0, load on CPU 1), best of $REPS"
declare -A best cpu
for server in redis journey; do
    case $server in
    redis) port=16501 && start $port redis-server --port $port --save '' --appendonly no ;;
    journey) port=16502 && start $port .build/release/journey serve "$WWW" --port 18502 --threads 1 --resp $port ;;
    esac
    # Warm-up, not counted: the first test of a fresh server otherwise pays for its connections and allocations.
    taskset -c 1 redis-benchmark -p $port -t "$TESTS" -n 50000 -P "$PIPELINE" -c "$CLIENTS" -q > /dev/null
    for _ in $(seq "$REPS"); do
        before=$(cpu_ticks "$SERVER")
        output=$(taskset -c 1 redis-benchmark -p $port -t "$TESTS" -n "$REQUESTS" -P "$PIPELINE" -c "$CLIENTS" --csv)
        after=$(cpu_ticks "$SERVER")
        while IFS=, read -r name rps _; do
            name=${name//\"/}
            rps=${rps//\"/}
            [[ $name == test ]] && continue
            if [ -z "${best[$server,$name]:-}" ] || awk "BEGIN {exit !($rps > ${best[$server,$name]})}"; then
                best[$server,$name]=$rps
            fi
        done <<< "$output"
        cpu[$server]=$(awk "BEGIN {print ${cpu[$server]:-0} + ($after - $before) / $hz}")
    done
    stop
done
printf "%-12s %14s %14s %8s\n" test redis-server journey ratio
for name in PING_INLINE PING_MBULK SET GET; do
    [ -n "${best[redis,$name]:-}" ] || continue
    printf "%-12s %14.0f %14.0f %7.2fx\n" "$name" "${best[redis,$name]}" "${best[journey,$name]}" \
        "$(awk "BEGIN {print ${best[journey,$name]} / ${best[redis,$name]}}")"
done
echo "server CPU-seconds over all runs: redis-server ${cpu[redis]}, journey ${cpu[journey]}"
