#!/usr/bin/env bash
# RESP benchmark, side by side in one run (Benchmarks/RESULTS.md): redis-benchmark against journey's RESP
# listener and against a real redis-server, each pinned to CPU 0 (journey with one event loop), the load on
# CPU 1, after a warm-up run; runs alternate between the servers; per test the best and the median requests/s of
# REPS runs, the ratios to redis-server, and the server CPU used. A run of 200,000 requests lasts ~0.15 s here, so
# one hiccup of this VM moves a best-of figure: the ratio of the medians is the steadier one.
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
JOURNEY="$(Scripts/release/build)"  # the binary we ship (Scripts/release/build)
WWW=$(mktemp -d)  # a folder to serve, so the dashboard (and its once-a-second /proc scan) is off
declare -A pid port
# Each server is waited for on exit, so a run right after this one finds its ports free.
trap 'for p in "${pid[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$WWW"' EXIT
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start() { # name port command...
    local name=$1 p=$2
    shift 2
    taskset -c 0 "$@" > /dev/null 2>&1 &
    pid[$name]=$!
    port[$name]=$p
    for _ in $(seq 200); do
        kill -0 "${pid[$name]}" 2> /dev/null || break
        redis-cli -p "$p" PING > /dev/null 2>&1 && return 0
        sleep 0.05
    done
    echo "$name on port $p did not start (is the port taken?)" >&2
    exit 1
}

# Both servers run at once, both on CPU 0, and the runs alternate between them: a noisy minute on this
# VM then falls on both, not on whichever server was measured in it (the ratio's spread was mostly that).
echo "== redis-benchmark -t $TESTS -n $REQUESTS -P $PIPELINE -c $CLIENTS (servers on CPU 0, load on CPU 1), best of $REPS, alternating"
start redis 16501 redis-server --port 16501 --save '' --appendonly no
start journey 16502 "$JOURNEY" serve "$WWW" --port 18502 --threads 1 --resp 16502
declare -A best cpu runs
for server in redis journey; do
    # Warm-up, not counted: the first test of a fresh server otherwise pays for its connections and allocations.
    taskset -c 1 redis-benchmark -p "${port[$server]}" -t "$TESTS" -n 50000 -P "$PIPELINE" -c "$CLIENTS" -q > /dev/null
done
for _ in $(seq "$REPS"); do
    for server in redis journey; do
        before=$(cpu_ticks "${pid[$server]}")
        output=$(taskset -c 1 redis-benchmark -p "${port[$server]}" -t "$TESTS" -n "$REQUESTS" -P "$PIPELINE" \
            -c "$CLIENTS" --csv)
        after=$(cpu_ticks "${pid[$server]}")
        while IFS=, read -r name rps _; do
            name=${name//\"/}
            rps=${rps//\"/}
            [[ $name == test ]] && continue
            if [ -z "${best[$server,$name]:-}" ] || awk "BEGIN {exit !($rps > ${best[$server,$name]})}"; then
                best[$server,$name]=$rps
            fi
            runs[$server,$name]="${runs[$server,$name]:-} $rps"
        done <<< "$output"
        cpu[$server]=$(awk "BEGIN {print ${cpu[$server]:-0} + ($after - $before) / $hz}")
    done
done
median() { tr ' ' '\n' <<< "$1" | grep . | sort -g | awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
printf "%-12s %14s %14s %8s %14s %14s %8s\n" test "redis best" "journey best" ratio "redis median" "journey median" ratio
for name in PING_INLINE PING_MBULK SET GET; do
    [ -n "${best[redis,$name]:-}" ] || continue
    redis_median=$(median "${runs[redis,$name]}")
    journey_median=$(median "${runs[journey,$name]}")
    printf "%-12s %14.0f %14.0f %7.2fx %14.0f %14.0f %7.2fx\n" "$name" "${best[redis,$name]}" "${best[journey,$name]}" \
        "$(awk "BEGIN {print ${best[journey,$name]} / ${best[redis,$name]}}")" "$redis_median" "$journey_median" \
        "$(awk "BEGIN {print $journey_median / $redis_median}")"
done
echo "server CPU-seconds over all runs: redis-server ${cpu[redis]}, journey ${cpu[journey]}"
requests=$(awk "BEGIN {print $REQUESTS * $REPS * $(tr ',' '\n' <<< "$TESTS" | sed 's/^ping$/ping ping/' | wc -w)}")
awk "BEGIN {printf \"server CPU per request: redis-server %.2f us, journey %.2f us\\n\", ${cpu[redis]} * 1e6 / $requests, ${cpu[journey]} * 1e6 / $requests}"
