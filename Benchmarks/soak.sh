#!/usr/bin/env bash
# Soak: MINUTES (default 10) of mixed load at about TARGET (default 80 %) of the server's measured capacity
# against a release journey, then a report of errors, RSS drift, descriptors, and p99 and CPU over time.
# Not part of CI.
#
#   Benchmarks/soak.sh              # 10 minutes at 80 %
#   MINUTES=2 TARGET=0.5 Benchmarks/soak.sh
#
# The server runs on CPU 0 with one event loop, every client on CPU 1, all on loopback.
# 1. Capacity: wrk alone, 16 keep-alive connections on a 1 KiB file, 10 s: requests per server CPU-second.
# 2. The background, each load paced (a fixed rate, not as fast as it can):
#   - wrk, 4 connections, a new connection per request on a 64 KiB file, 200 requests/s;
#   - a curl loop downloading a 1 MiB file, 5 a second;
#   - a /metrics scrape every second (the server runs with --dashboard --metrics);
#   - 50 slow clients that send one byte of a request head per second (closed by the header timeout
#     and reconnecting);
#   - HTTP/2 (h2c, prior knowledge): h2load, 4 connections × 10 streams, 1,000 requests/s, 30 s rounds;
#   - WebSocket: journey-wsload's echo (8 connections, 100 messages/s each, 30 s rounds) and a pub/sub broadcast
#     to 100 subscribers (20 publishes a second, one-minute rounds);
#   - RESP: redis-benchmark SET/GET, 4 clients, 1,000 requests then a second's pause.
#   Their share of the server's CPU is measured over 10 s.
# 3. The main load: wrk, 16 keep-alive connections on the 1 KiB file, paced (Benchmarks/paced.lua) at the rate
#    that brings the server to TARGET of its core with the background, in one-minute segments.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MINUTES="${MINUTES:-10}"
TARGET="${TARGET:-0.8}"
PORT=18095
WORK="$(mktemp -d /tmp/journey-soak.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v h2load >/dev/null || need+=(nghttp2-client)
command -v redis-benchmark >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; fi
(cd "$ROOT" && swift build -c release --product journey-wsload >/dev/null)
BIN="$(cd "$ROOT" && swift build -c release --show-bin-path)"
JOURNEY="$("$ROOT/Scripts/release/build")"  # the binary we ship (Scripts/release/build)
RESP_PORT=18096
mkdir -p "$WORK/www"
head -c 1024 /dev/urandom > "$WORK/www/index.html"
head -c 65536 /dev/urandom > "$WORK/www/64k.bin"
head -c 1048576 /dev/urandom > "$WORK/www/1m.bin"

taskset -c 0 "$JOURNEY" serve "$WORK/www" --port "$PORT" --threads 1 --header-timeout 5 --log-level error \
    --dashboard --metrics --h2c --ws-echo /ws --ws-pubsub /pubsub --resp "$RESP_PORT" >"$WORK/journey.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/index.html" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
fds() { ls "/proc/$SERVER/fd" | wc -l; }
TICKS=$(getconf CLK_TCK)
cputicks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
# The server's CPU over a command's run, in percent of one core; the command's output goes to the file $1.
busy() { local out=$1 c0 w0 c1 w1; shift; c0=$(cputicks); w0=$(date +%s.%N); "$@" >"$out" 2>&1; c1=$(cputicks); w1=$(date +%s.%N)
    python3 -c "print(round(100.0 * ($c1 - $c0) / $TICKS / ($w1 - $w0), 1))"; }
FDS0=$(fds)
ls -l "/proc/$SERVER/fd" | awk '{print $NF}' | sed 's/\[[0-9]*\]//' | sort >"$WORK/fds0.txt"
RSS0=$(rss)
echo "start: RSS ${RSS0} kB, fds ${FDS0}"

# 1. Capacity, with nothing else running.
taskset -c 1 wrk -t1 -c16 -d3s "http://127.0.0.1:$PORT/index.html" >/dev/null
CAPCPU=$(busy "$WORK/capacity.txt" taskset -c 1 wrk -t1 -c16 -d10s "http://127.0.0.1:$PORT/index.html")
CAPRPS=$(awk '/Requests\/sec/ {print $2}' "$WORK/capacity.txt")
CAPACITY=$(python3 -c "print(int($CAPRPS * 100 / max($CAPCPU, 1)))")
echo "capacity: $CAPRPS req/s at $CAPCPU % of the server's core: $CAPACITY requests per server CPU-second"

END=$(( $(date +%s) + MINUTES * 60 + 15 ))   # the background runs through the 15 s of settling and measuring
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do RATE=200 wrk -t1 -c4 -d20s -s $HERE/paced.lua -H 'Connection: close' http://127.0.0.1:$PORT/64k.bin; done" \
    >"$WORK/close.txt" 2>&1 &
pids+=($!)
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:$PORT/1m.bin; sleep 0.2; done" \
    >"$WORK/curl.txt" 2>&1 &
pids+=($!)
# A Prometheus scrape every second (the journey's statistics gathered under load).
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:$PORT/metrics; sleep 1; done" \
    >"$WORK/metrics.txt" 2>&1 &
pids+=($!)
# The slow clients: 50 sockets, one byte a second, reconnecting when the server closes them.
taskset -c 1 python3 -c "
import socket, time, sys
port=$PORT; stop=$END
head=b'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n'
socks=[]
closed=0
def new():
    s=socket.create_connection(('127.0.0.1',port)); s.setblocking(False); return [s,0]
socks=[new() for _ in range(50)]
while time.time()<stop:
    for entry in socks:
        s,i=entry
        try:
            s.send(head[i:i+1]); entry[1]=(i+1)%len(head)
        except OSError:
            closed+=1; s.close(); entry[:]=new()
    time.sleep(1)
print('slow clients closed by the server:', closed)
" >"$WORK/slow.txt" 2>&1 &
pids+=($!)

# HTTP/2, WebSocket echo and pub/sub, RESP: rounds until the end, each round's summary kept for the error count.
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do h2load -D 30 --rps 250 -c 4 -m 10 http://127.0.0.1:$PORT/index.html | grep '^requests:'; done" \
    >"$WORK/h2.txt" 2>&1 &
pids+=($!)
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do $BIN/journey-wsload echo --server 127.0.0.1:$PORT -c 8 -d 30 --warmup 0 --pace 100; done" \
    >"$WORK/ws.txt" 2>&1 &
pids+=($!)
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do $BIN/journey-wsload broadcast --server 127.0.0.1:$PORT --path /pubsub -c 100 -d 1200 --rate 20; done" \
    >"$WORK/pubsub.txt" 2>&1 &
pids+=($!)
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do redis-benchmark -p $RESP_PORT -t set,get -n 1000 -c 4 --csv; sleep 1; done" \
    >"$WORK/resp.txt" 2>&1 &
pids+=($!)

# RSS every 2 s: each minute reports its floor and its peak, so a transient is not mistaken for growth.
(while kill -0 "$SERVER" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 2; done) >"$WORK/rss.txt" 2>/dev/null &
pids+=($!)
window() { awk -v a="$1" -v b="$2" -v f="$3" '$1>=a && $1<=b {v=$2; if (min==""||v<min) min=v; if (v>max) max=v} END {print (f=="min"?min:max)}' "$WORK/rss.txt"; }

# 2. The background's share of the core, once it has settled; 3. the main load's rate from what is left.
sleep 5
BACKGROUND=$(busy /dev/null sleep 10)
RATE=$(python3 -c "print(max(1000, int($CAPACITY * ($TARGET * 100 - $BACKGROUND) / 100)))")
echo "background: $BACKGROUND % of the server's core; main load paced at $RATE req/s (target ${TARGET})"
echo
echo "| minute | req/s | p99 | server CPU | RSS floor kB | RSS peak kB | fds |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
ERRORS=0
for minute in $(seq 1 "$MINUTES"); do
    t0=$(date +%s)
    cpu=$(busy "$WORK/minute.txt" taskset -c 1 env RATE="$RATE" wrk -t1 -c16 -d60s --latency -s "$HERE/paced.lua" \
        "http://127.0.0.1:$PORT/index.html")
    out=$(cat "$WORK/minute.txt")
    t1=$(date +%s)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}')
    ERRORS=$((ERRORS + errors))
    floor=$(window "$t0" "$t1" min)
    [ "$minute" -eq $(( (MINUTES + 1) / 2 )) ] && RSSMID=$floor
    RSSEND=$floor
    echo "| $minute | $rps | $p99 | $cpu % | $floor | $(window "$t0" "$t1" max) | $(fds) |"
done
for pid in "${pids[@]:0:${#pids[@]}-1}"; do wait "$pid" 2>/dev/null || true; done
sleep 6   # the slow clients' last connections run into the 5 s header timeout
RSS1=$(rss)
FDS1=$(fds)
closeerr=$(awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}' "$WORK/close.txt")
curlerr=$(grep -vc '^200$' "$WORK/curl.txt" || true)
metricserr=$(grep -vc '^200$' "$WORK/metrics.txt" || true)
echo "metrics scrapes: $(wc -l < "$WORK/metrics.txt"), failed $metricserr"
echo
echo "errors: keep-alive $ERRORS, connection-per-request $closeerr, 1 MiB downloads $curlerr (of $(wc -l < "$WORK/curl.txt"))"
cat "$WORK/slow.txt"
echo "HTTP/2 rounds: $(grep -c '^requests:' "$WORK/h2.txt"); requests $(awk '/^requests:/ {d+=$8; f+=$10; e+=$12} END {print d+0 " succeeded, " f+0 " failed, " e+0 " errored"}' "$WORK/h2.txt")"
echo "WebSocket echo rounds: $(grep -ci 'messages' "$WORK/ws.txt"); lines with an error: $(grep -ci 'error' "$WORK/ws.txt" || true)"
echo "pub/sub rounds: $(grep -ci 'p99' "$WORK/pubsub.txt"); lines with an error: $(grep -ci 'error' "$WORK/pubsub.txt" || true);" \
    "$(awk '/delivered/ {for (i = 1; i < NF; i++) if ($(i+1) == "of") {d += $i; e += $(i+2)}} END {print d+0 " of " e+0 " messages delivered"}' "$WORK/pubsub.txt")"
echo "RESP rounds: $(grep -c '"SET"' "$WORK/resp.txt"); lines with an error: $(grep -ci 'error' "$WORK/resp.txt" || true)"
tail -n 2 "$WORK/ws.txt" "$WORK/pubsub.txt" | sed 's/^/  /'
echo "RSS: start ${RSS0} kB; floor of the middle minute ${RSSMID:-?} kB, of the last minute ${RSSEND:-?} kB (drift $(python3 -c "print('%.1f%%' % (100.0*(${RSSEND:-0}-${RSSMID:-1})/${RSSMID:-1}))")); after the load ${RSS1} kB"
echo "descriptors: before ${FDS0}, after ${FDS1}"
ls -l "/proc/$SERVER/fd" | awk '{print $NF}' | sed 's/\[[0-9]*\]//' | sort | diff "$WORK/fds0.txt" - | sed -n 's/^[<>]/  &/p' || true
