#!/usr/bin/env bash
# WebSocket benchmarks, side by side in one run (Benchmarks/RESULTS.md):
#   echo       journey vs the Hummingbird 2 and Vapor 4 peers (../shared/peers): messages/s and messages per
#              server CPU-second; each server pinned to CPU 0 (one event loop), journey-wsload on CPU 1. REPS runs
#              (default 3), the servers' order alternating each run, medians reported; after each run the script
#              prints the server's allowed CPUs and how many of its threads did work, which shows one event loop
#   broadcast  journey --ws-pubsub: a 100-byte publish to SUBSCRIBERS subscribers, publish→deliver percentiles
#   idle       journey holding IDLE WebSocket connections: RSS above idle
#
#   DEFLATE=1  the echo with permessage-deflate: the client offers it and deflates every message; journey against
#              Benchmarks/HummingbirdDeflatePeer (the shared Hummingbird peer has no deflate; Vapor has none at all)
#   SOURCES=N  the idle connections come from N loopback addresses (127.0.0.2 and up), for more than one address's
#              ephemeral ports (100,000 connections need 4); the time to open them is printed too
#
# usage: Benchmarks/ws.sh [echo] [broadcast] [idle]     (default: all three)
#   PEERS=/tmp/jb/peers  CONNECTIONS=64 SIZE=32 DURATION=10 REPS=3 ECHO_SERVERS="journey hummingbird vapor"
#   SUBSCRIBERS=10000 PUBLISHES=50  IDLE=10000 SOURCES=1 DEFLATE=
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PEERS=${PEERS:-/tmp/jb/peers}
CONNECTIONS=${CONNECTIONS:-64}
SIZE=${SIZE:-32}
DURATION=${DURATION:-10}
SUBSCRIBERS=${SUBSCRIBERS:-10000}
PUBLISHES=${PUBLISHES:-50}
IDLE=${IDLE:-10000}
REPS=${REPS:-3}
DEFLATE=${DEFLATE:-}
SOURCES=${SOURCES:-1}
if [ -n "$DEFLATE" ]; then
    ECHO_SERVERS=${ECHO_SERVERS:-journey hummingbird-deflate}
    DEFLATE_PEER=Benchmarks/HummingbirdDeflatePeer/.build/release/HummingbirdDeflatePeer
    [ -x "$DEFLATE_PEER" ] || swift build -c release --package-path Benchmarks/HummingbirdDeflatePeer >&2
else
    ECHO_SERVERS=${ECHO_SERVERS:-journey hummingbird vapor}
fi
MODES=${*:-echo broadcast idle}
ulimit -n "$(ulimit -Hn)"
[ -x .build/release/journey-wsload ] || swift build -c release --product journey-wsload
JOURNEY="$(Scripts/release/build)"  # the binary we ship (Scripts/release/build)
LOAD=.build/release/journey-wsload
WWW=$(mktemp -d)
echo hi > "$WWW/index.html"
SERVER=
trap '[ -n "$SERVER" ] && kill $SERVER 2>/dev/null; rm -rf "$WWW"' EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
start() { # port command...
    local port=$1
    shift
    taskset -c "${SERVER_CPUS:-0}" "$@" > /dev/null 2>&1 &
    SERVER=$!
    for _ in $(seq 200); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
        sleep 0.05
    done
    echo "server on $port did not start" >&2
    exit 1
}
stop() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; }
# The CPUs a process may run on, and how many of its threads used more than 2 % of its CPU time: an event loop
# pinned alone shows `cpus 0, 1 of N threads busy`.
threads_at_work() { # pid
    local pid=$1 total=0 busy=0 count=0 t
    local -a ticks=()
    for task in /proc/"$pid"/task/*; do
        t=$(awk '{print $14 + $15}' "$task/stat" 2>/dev/null || echo 0)
        ticks+=("$t")
        total=$((total + t))
        count=$((count + 1))
    done
    for t in "${ticks[@]}"; do [ $((t * 50)) -gt "$total" ] && busy=$((busy + 1)); done
    echo "cpus $(taskset -cp "$pid" | sed 's/.*: //'), $busy of $count threads busy"
}
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

if [[ " $MODES " == *" echo "* ]]; then
    echo "== echo: $CONNECTIONS connections, $SIZE-byte messages${DEFLATE:+, permessage-deflate}, ${DURATION}s (server on CPU 0, load on CPU 1)"
    hz=$(getconf CLK_TCK)
    declare -A RATES PER_CPU
    read -r -a order <<< "$ECHO_SERVERS"
    for rep in $(seq "$REPS"); do
        # The order alternates: the first server of a run has the coolest machine.
        if [ $((rep % 2)) -eq 0 ]; then
            reversed=()
            for ((i = ${#order[@]} - 1; i >= 0; i--)); do reversed+=("${order[i]}"); done
            servers=("${reversed[@]}")
        else
            servers=("${order[@]}")
        fi
        for server in "${servers[@]}"; do
            case $server in
            journey) port=18201 && start $port "$JOURNEY" serve "$WWW" --port $port --threads 1 --ws-echo /ws ;;
            hummingbird) port=18202 && start $port "$PEERS/hummingbird-peer/.build/release/HummingbirdPeer" $port "$WWW" ;;
            vapor) port=18203 && start $port "$PEERS/vapor-peer/.build/release/VaporPeer" $port "$WWW" ;;
            hummingbird-deflate) port=18204 && start $port "$DEFLATE_PEER" $port ;;
            esac
            before=$(cpu_ticks "$SERVER")
            line=$(taskset -c 1 $LOAD echo --server "127.0.0.1:$port" --path /ws -c "$CONNECTIONS" -s "$SIZE" \
                --duration "$DURATION" --warmup 2 ${DEFLATE:+--deflate})
            after=$(cpu_ticks "$SERVER")
            rate=$(echo "$line" | sed -E 's/.*: ([0-9]+) messages\/s.*/\1/')
            # CPU over warm-up and measurement together (the warm-up runs at the same rate).
            cpu=$(echo "scale=3; ($after - $before) / $hz" | bc)
            per_cpu=$(echo "scale=0; $rate * ($DURATION + 2) / $cpu" | bc)
            printf 'rep %s %-12s %8s msgs/s  %6s server CPU-s  %8s msgs per server CPU-s  (%s)\n' \
                "$rep" "$server" "$rate" "$cpu" "$per_cpu" "$(threads_at_work "$SERVER")"
            RATES[$server]+="$rate "
            PER_CPU[$server]+="$per_cpu "
            stop
        done
    done
    for server in "${order[@]}"; do
        name=${server//-/_}
        eval "rate_$name=$(echo "${RATES[$server]}" | median); cpu_$name=$(echo "${PER_CPU[$server]}" | median)"
        printf 'median %-12s %8s msgs/s  %8s msgs per server CPU-s\n' "$server" "$(eval echo \$rate_$name)" \
            "$(eval echo \$cpu_$name)"
    done
    if [ -n "${rate_hummingbird_deflate:-}" ]; then
        printf 'journey / hummingbird (deflate): %.2fx msgs/s, %.2fx per CPU-s\n' \
            "$(echo "$rate_journey / $rate_hummingbird_deflate" | bc -l)" "$(echo "$cpu_journey / $cpu_hummingbird_deflate" | bc -l)"
    fi
    if [ -n "${rate_hummingbird:-}" ] && [ -n "${rate_vapor:-}" ]; then
        printf 'journey / hummingbird: %.2fx msgs/s, %.2fx per CPU-s;  journey / vapor: %.2fx msgs/s, %.2fx per CPU-s\n' \
            "$(echo "$rate_journey / $rate_hummingbird" | bc -l)" "$(echo "$cpu_journey / $cpu_hummingbird" | bc -l)" \
            "$(echo "$rate_journey / $rate_vapor" | bc -l)" "$(echo "$cpu_journey / $cpu_vapor" | bc -l)"
    fi
fi

if [[ " $MODES " == *" broadcast "* ]]; then
    # Each subscriber count in SUBSCRIBERS (space-separated), journey then the floor (journey-nio-floor --pubsub: NIO's
    # codec and a plain write of the same frame to each socket), each on 2 loops and both cores shared with the load.
    [ -x .build/release/journey-nio-floor ] || swift build -c release --product journey-nio-floor >&2
    for subscribers in $SUBSCRIBERS; do
        for server in journey floor; do
            echo "== broadcast ($server): $subscribers subscribers, $PUBLISHES publishes of ~100 bytes"
            case $server in
            journey) SERVER_CPUS=0,1 start 18210 "$JOURNEY" serve "$WWW" --port 18210 --threads 2 --ws-pubsub /pubsub \
                --backlog 4096 ;;
            floor) SERVER_CPUS=0,1 start 18210 .build/release/journey-nio-floor --pubsub 18210 ;;
            esac
            # The server's CPU from the first publish on (the connections are set up by then), split into user and
            # kernel: each delivery is one write to one socket, and the kernel's share of that is the floor of the
            # fan-out.
            $LOAD broadcast --server 127.0.0.1:18210 --path /pubsub -c "$subscribers" --duration "$PUBLISHES" \
                --rate "${RATE:-2}" --threads 2 > "$WWW/broadcast.log" &
            load=$!
            until grep -q "publishing" "$WWW/broadcast.log" 2>/dev/null || ! kill -0 "$load" 2>/dev/null; do
                sleep 0.05
            done
            read -r user0 system0 < <(awk '{print $14, $15}' "/proc/$SERVER/stat")
            wait "$load"
            read -r user1 system1 < <(awk '{print $14, $15}' "/proc/$SERVER/stat")
            grep -v publishing "$WWW/broadcast.log"
            deliveries=$((subscribers * PUBLISHES))
            hz=$(getconf CLK_TCK)
            awk -v u=$((user1 - user0)) -v s=$((system1 - system0)) -v d="$deliveries" -v hz="$hz" -v n="$subscribers" \
                -v who="$server" 'BEGIN {
                printf "%s: server CPU per delivery: %.2f us (%.2f user + %.2f kernel); per publish to %d subscribers: %.0f ms of CPU\n",
                    who, (u + s) / hz * 1e6 / d, u / hz * 1e6 / d, s / hz * 1e6 / d, n, (u + s) / hz * 1e3 / (d / n) }'
            stop
        done
    done
fi

if [[ " $MODES " == *" idle "* ]]; then
    echo "== idle: $IDLE WebSocket connections held"
    start 18220 "$JOURNEY" serve "$WWW" --port 18220 --threads 2 --ws-echo /ws --backlog 4096
    idle=$(rss_kib "$SERVER")
    opening=$(date +%s.%N)
    $LOAD idle --server 127.0.0.1:18220 --path /ws -c "$IDLE" --duration 600 --threads 2 --sources "$SOURCES" \
        > "$WWW/idle.log" &
    load=$!
    until grep -q "connections open" "$WWW/idle.log" 2>/dev/null; do
        kill -0 $load 2>/dev/null || { cat "$WWW/idle.log"; echo "the load generator failed" >&2; exit 1; }
        sleep 0.2
    done
    printf 'opened %d WebSockets (handshakes done) in %.1f s\n' "$IDLE" "$(echo "$(date +%s.%N) - $opening" | bc -l)"
    sleep 1
    held=$(rss_kib "$SERVER")
    kill $load
    wait $load 2>/dev/null || true
    while [ "$(ls /proc/$SERVER/fd | wc -l)" -gt 64 ]; do sleep 0.2; done
    after=$(rss_kib "$SERVER")
    printf 'RSS idle %d KiB, holding %d WebSockets %d KiB: +%d KiB (%.1f KiB each); after they closed %d KiB\n' \
        "$idle" "$IDLE" "$held" "$((held - idle))" "$(echo "($held - $idle) / $IDLE" | bc -l)" "$after"
    stop
fi
