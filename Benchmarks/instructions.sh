#!/usr/bin/env bash
# Instructions and cache misses per request of a running journey, under callgrind: figures that repeat to within
# 1 % from run to run on this noisy VM, where wrk's do not (±10 %). User space only (the kernel's share is not
# counted), and valgrind runs the server ~50x slower, so the once-a-second work weighs more than under wrk.
#
#   Benchmarks/instructions.sh [CONNECTIONS] [ROUNDS] [BINARY]    (default 1000, 10, the binary we ship)
#   BINARY=nio-floor Benchmarks/instructions.sh                   (the least a NIO server can do, for scale)
#
# CONNECTIONS keep-alive connections each send one GET of a 1 KiB file per round, round after round; the counters
# are zeroed after two warm-up rounds. The caches simulated are this machine's per core: 64 KiB I1, 48 KiB D1, and
# the 2 MiB L2 as the last level (what 1,000 connections' state falls out of). Prints the totals per request
# (Ir instructions, D1mr/DLmr data reads missing D1/L2, I1mr instruction fetches missing I1) and the 25 functions
# with the most instructions.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${1:-1000}
ROUNDS=${2:-10}
BINARY=${3:-${BINARY:-}}
PORT=18097
command -v valgrind >/dev/null || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq valgrind >/dev/null
}
ulimit -n $((CONNECTIONS + 1000)) 2>/dev/null || true
WORK=$(mktemp -d)
trap 'kill "${SERVER:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
head -c 1024 /dev/urandom | base64 -w 0 | head -c 1024 > "$WORK/index.html"
if [ "$BINARY" = nio-floor ]; then
    swift build -c release --product journey-nio-floor >/dev/null
    BINARY="$(swift build -c release --show-bin-path)/journey-nio-floor"
    ARGS=("$WORK/index.html" "$PORT")
else
    BINARY=${BINARY:-$(Scripts/release/build)}
    ARGS=(serve "$WORK" --port "$PORT" --threads 1 --log-level error)
fi
# valgrind cannot read the DWARF 5 the toolchain writes; the symbol table is enough.
objcopy --strip-debug "$BINARY" "$WORK/server"
taskset -c 0 valgrind --tool=callgrind --cache-sim=yes --I1=65536,4,64 --D1=49152,12,64 --LL=2097152,16,64 \
    --callgrind-out-file="$WORK/callgrind.out" "$WORK/server" "${ARGS[@]}" > "$WORK/valgrind.log" 2>&1 &
SERVER=$!
for _ in $(seq 120); do curl -s -o /dev/null "http://127.0.0.1:$PORT/index.html" && break; sleep 0.5; done
python3 - "$PORT" "$CONNECTIONS" "$ROUNDS" <<'PY'
import socket, subprocess, sys
port, connections, rounds = (int(a) for a in sys.argv[1:4])
request = b"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
sockets = [socket.create_connection(("127.0.0.1", port)) for _ in range(connections)]
def run(count):
    for _ in range(count):
        for s in sockets: s.sendall(request)
        for s in sockets:
            got = b""
            while True:
                got += s.recv(65536)
                end = got.find(b"\r\n\r\n")
                if end >= 0:
                    length = int(got[:end].lower().split(b"content-length: ")[1].split(b"\r\n")[0])
                    if len(got) >= end + 4 + length: break
run(2)
subprocess.run(["callgrind_control", "--zero"], capture_output=True, check=True)
run(rounds)
subprocess.run(["callgrind_control", "--dump"], capture_output=True, check=True)
PY
kill "$SERVER"; wait "$SERVER" 2>/dev/null || true
python3 - "$WORK" "$((CONNECTIONS * ROUNDS))" <<'PY'
import bisect, collections, re, subprocess, sys
work, requests = sys.argv[1], int(sys.argv[2])
dump = work + "/callgrind.out.1"  # what `--dump` wrote: the measured rounds (the exit writes callgrind.out)
symbols = sorted((int(a, 16), n) for a, t, n in (l.split() for l in subprocess.run(
    ["nm", "-n", work + "/server"], capture_output=True, text=True).stdout.splitlines() if len(l.split()) == 3)
    if t in "tTwW")
starts = [a for a, _ in symbols]
names, costs, events, current, in_call = {}, collections.defaultdict(lambda: [0] * 9), [], None, False
def resolve(text):
    match = re.match(r"\((\d+)\)(?: (.*))?", text)
    if match and match.group(2): names[match.group(1)] = match.group(2)
    name = names.get(match.group(1), "?") if match else text
    address = re.match(r"0x([0-9a-f]+)", name)
    if address:
        index = bisect.bisect_right(starts, int(address.group(1), 16)) - 1
        name = symbols[index][1] if index >= 0 else name
    return name
for line in open(dump):
    if line.startswith("events:"): events = line.split()[1:]
    elif line.startswith("fn="): current = resolve(line[3:].strip())
    elif line.startswith("cfn="): resolve(line[4:].strip())
    elif line.startswith("calls="): in_call = True
    elif line[:1].isdigit() or line[:1] in "+-*":
        if not in_call:
            for i, value in enumerate(line.split()[1:]): costs[current][i] += int(value)
        in_call = False
totals = [sum(c[i] for c in costs.values()) for i in range(len(events))]
print("per request: " + ", ".join(f"{e} {t / requests:.1f}" for e, t in zip(events, totals)))
print("instructions per request, by function (self):")
for name, cost in sorted(costs.items(), key=lambda item: -item[1][0])[:25]:
    demangled = subprocess.run(["swift", "demangle", "--simplified", "--compact", name], capture_output=True,
                               text=True).stdout.strip() or name
    print(f"{cost[0] / requests:8.0f}  {demangled[:110]}")
PY
