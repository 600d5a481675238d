#!/usr/bin/env bash
# The pub/sub backplane (Benchmarks/RESULTS.md): SUBSCRIBERS WebSocket subscribers of one topic, publishes at RATES
# per second, publish→deliver percentiles measured at every subscriber (journey-wsload broadcast), for
#   one       one journey instance, no backplane: the hub fans out in process
#   redis     INSTANCES journey instances on one redis-server: the subscribers spread over them, each instance with a
#             publisher used in turn, every publish through Redis and back
# Both on this machine, side by side in one run; each rate publishes for SECONDS seconds. The last column says
# whether p99 stayed under 50 ms; the highest rate where it did is printed at the end of each.
#
# usage: Benchmarks/backplane.sh        SUBSCRIBERS=3000 RATES="100 250 500 1000" SECONDS_EACH=5 INSTANCES=3 THREADS=1
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSCRIBERS=${SUBSCRIBERS:-3000}
RATES=${RATES:-100 250 500 1000}
SECONDS_EACH=${SECONDS_EACH:-5}
INSTANCES=${INSTANCES:-3}
THREADS=${THREADS:-1}
ulimit -n "$(ulimit -Hn)"
[ -x .build/release/journey-wsload ] || swift build -c release --product journey-wsload >&2
JOURNEY="$(Scripts/release/build)"  # the binary we ship
LOAD=.build/release/journey-wsload
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -f "$WORK/redis.pid" ] && kill "$(cat "$WORK/redis.pid")" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT
wait_for() { # port
    for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0; sleep 0.05; done
    echo "nothing answers on $1" >&2
    exit 1
}
stop_all() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    PIDS=()
}
# One line per rate: rate, delivered, p50, p90, p99, max, p99 < 50 ms.
measure() { # label servers
    local label=$1 servers=$2 best=none
    for rate in $RATES; do
        local count=$((rate * SECONDS_EACH)) line
        line=$("$LOAD" broadcast --server "$servers" --path /pubsub -c "$SUBSCRIBERS" -d "$count" --rate "$rate" \
            --threads 2 | tail -n 1)
        local p99
        p99=$(echo "$line" | sed -E 's/.*p99 ([0-9.]+) ms.*/\1/')
        local under
        under=$(awk -v p="$p99" 'BEGIN {print (p < 50) ? "yes" : "no"}')
        [ "$under" = yes ] && best=$rate
        printf '%-6s %5d/s  %s  p99<50ms: %s\n' "$label" "$rate" "$(echo "$line" | sed -E 's/^broadcast: //')" "$under"
    done
    echo "$label: highest rate with p99 under 50 ms: $best/s"
}

echo "== $SUBSCRIBERS subscribers, rates $RATES /s, ${SECONDS_EACH}s each ($(nproc) cores, everything on this machine)"
"$JOURNEY" serve "$WORK" --port 18300 --threads "$THREADS" --ws-pubsub /pubsub --ws-queue-limit 4194304 \
    >"$WORK/one.log" 2>&1 &
PIDS+=($!)
wait_for 18300
measure one "127.0.0.1:18300"
stop_all

redis-server --port 18399 --save '' --appendonly no --daemonize yes --pidfile "$WORK/redis.pid" \
    --logfile "$WORK/redis.log" --client-output-buffer-limit "pubsub 256mb 64mb 60"
servers=""
for i in $(seq 1 "$INSTANCES"); do
    port=$((18300 + i))
    "$JOURNEY" serve "$WORK" --port "$port" --threads "$THREADS" --ws-pubsub /pubsub --ws-queue-limit 4194304 \
        --pubsub-redis redis://127.0.0.1:18399 --instance-id "bench-$i" >"$WORK/redis-$i.log" 2>&1 &
    PIDS+=($!)
    wait_for "$port"
    servers="${servers:+$servers,}127.0.0.1:$port"
done
measure redis "$servers"
stop_all
