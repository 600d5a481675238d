#!/usr/bin/env bash
# Heap allocations per request of a running journey, counted by the kernel: a uprobe on libc's malloc (perf probe),
# counted over a wrk run against one path, divided by the requests wrk completed. What is left over a run that
# allocates nothing per request is the once-a-second work (statistics, the Date line), a few hundred a second.
#
# usage: Benchmarks/mallocs.sh [PATH] [SECONDS]      (default /1k.bin, 5; needs root, perf and wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-/1k.bin}
SECONDS_RUN=${2:-5}
LIBC=$(ldconfig -p | awk '/libc.so.6 .*x86-64/ {print $NF; exit}')
[ -x .build/release/journey ] || swift build -c release --product journey
WWW=$(mktemp -d)
head -c 1024 /dev/urandom > "$WWW/1k.bin"
head -c 65536 /dev/urandom > "$WWW/64k.bin"
echo "<p>hello</p>" > "$WWW/index.html"
taskset -c 0 .build/release/journey serve "$WWW" --port 18096 --threads 1 --log-level error > /dev/null 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; perf probe -q -d probe_libc:malloc 2>/dev/null || true; rm -rf "$WWW"' EXIT
perf probe -q -x "$LIBC" malloc 2>/dev/null || true
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:18096$TARGET" && break; sleep 0.1; done
# Warm: the open-file cache, the connections' buffers.
taskset -c 1 wrk -t1 -c64 -d2s "http://127.0.0.1:18096$TARGET" > /dev/null
perf stat -x, -e probe_libc:malloc -p "$SERVER" -o "$WWW/stat" -- sleep $((SECONDS_RUN + 1)) &
STAT=$!
sleep 0.5
requests=$(taskset -c 1 wrk -t1 -c64 -d"${SECONDS_RUN}s" "http://127.0.0.1:18096$TARGET" | awk '/requests in/ {print $1}')
wait $STAT
mallocs=$(awk -F, '/probe_libc:malloc/ {print $1}' "$WWW/stat")
awk -v m="$mallocs" -v r="$requests" -v s="$SECONDS_RUN" -v t="$TARGET" \
    'BEGIN {printf "%s: %d mallocs for %d requests in %d s + 1 s: %.3f per request\n", t, m, r, s, m / r}'
