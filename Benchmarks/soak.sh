#!/usr/bin/env bash
# Soak: MINUTES (default 10) of mixed load against a release journey, then a report of errors, RSS drift,
# descriptors and p99 over time. Not part of CI.
#
#   Benchmarks/soak.sh              # 10 minutes
#   MINUTES=2 Benchmarks/soak.sh
#
# Load, all on loopback, the server on CPU 0 and the clients on CPU 1:
#   - wrk, 16 keep-alive connections on a 1 KiB file, in one-minute segments (p99 per minute);
#   - wrk, 4 connections, a new connection per request, on a 64 KiB file;
#   - a curl loop downloading a 1 MiB file;
#   - a /metrics scrape every second (the server runs with --dashboard --metrics);
#   - 50 slow clients that send one byte of a request head per second (closed by the header timeout
#     and reconnecting).
# WebSocket load joins once WebSockets land.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
MINUTES="${MINUTES:-10}"
PORT=18095
WORK="$(mktemp -d /tmp/journey-soak.XXXXXX)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
(cd "$ROOT" && swift build -c release --product journey >/dev/null)
JOURNEY="$(cd "$ROOT" && swift build -c release --show-bin-path)/journey"
mkdir -p "$WORK/www"
head -c 1024 /dev/urandom > "$WORK/www/index.html"
head -c 65536 /dev/urandom > "$WORK/www/64k.bin"
head -c 1048576 /dev/urandom > "$WORK/www/1m.bin"

taskset -c 0 "$JOURNEY" serve "$WORK/www" --port "$PORT" --threads 1 --header-timeout 5 --log-level error \
    --dashboard --metrics >"$WORK/journey.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/index.html" && break; sleep 0.1; done
rss() { awk '/VmRSS/ {print $2}' "/proc/$SERVER/status"; }
fds() { ls "/proc/$SERVER/fd" | wc -l; }
FDS0=$(fds)
RSS0=$(rss)
echo "start: RSS ${RSS0} kB, fds ${FDS0}"

END=$(( $(date +%s) + MINUTES * 60 ))
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do wrk -t1 -c4 -d20s -H 'Connection: close' http://127.0.0.1:$PORT/64k.bin; done" \
    >"$WORK/close.txt" 2>&1 &
pids+=($!)
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:$PORT/1m.bin; done" \
    >"$WORK/curl.txt" 2>&1 &
pids+=($!)
# A Prometheus scrape every second (the journey's statistics gathered under load).
taskset -c 1 bash -c "while [ \$(date +%s) -lt $END ]; do curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:$PORT/metrics; sleep 1; done" \
    >"$WORK/metrics.txt" 2>&1 &
pids+=($!)
# The slow clients: 50 sockets, one byte a second, reconnecting when the server closes them.
taskset -c 1 python3 -c "
import socket, time, sys
port=$PORT; stop=time.time()+$MINUTES*60
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

# RSS every 2 s: each minute reports its floor and its peak, so a transient is not mistaken for growth.
(while kill -0 "$SERVER" 2>/dev/null; do echo "$(date +%s) $(rss)"; sleep 2; done) >"$WORK/rss.txt" 2>/dev/null &
pids+=($!)
window() { awk -v a="$1" -v b="$2" -v f="$3" '$1>=a && $1<=b {v=$2; if (min==""||v<min) min=v; if (v>max) max=v} END {print (f=="min"?min:max)}' "$WORK/rss.txt"; }

echo "| minute | req/s | p99 | RSS floor kB | RSS peak kB | fds |"
echo "|---:|---:|---:|---:|---:|---:|"
ERRORS=0
for minute in $(seq 1 "$MINUTES"); do
    t0=$(date +%s)
    out=$(taskset -c 1 wrk -t1 -c16 -d60s --latency "http://127.0.0.1:$PORT/index.html" 2>&1)
    t1=$(date +%s)
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx/ {n+=$NF} /Socket errors/ {gsub(",",""); n+=$4+$6+$8+$10} END {print n+0}')
    ERRORS=$((ERRORS + errors))
    floor=$(window "$t0" "$t1" min)
    [ "$minute" -eq $(( (MINUTES + 1) / 2 )) ] && RSSMID=$floor
    RSSEND=$floor
    echo "| $minute | $rps | $p99 | $floor | $(window "$t0" "$t1" max) | $(fds) |"
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
echo "RSS: start ${RSS0} kB; floor of the middle minute ${RSSMID:-?} kB, of the last minute ${RSSEND:-?} kB (drift $(python3 -c "print('%.1f%%' % (100.0*(${RSSEND:-0}-${RSSMID:-1})/${RSSMID:-1}))")); after the load ${RSS1} kB"
echo "descriptors: before ${FDS0}, after ${FDS1}"
