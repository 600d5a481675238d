#!/usr/bin/env bash
# The memory of a large upload: journey-route-load's PUT /upload streams its body to a file (RequestBodyPolicy
# .streamed), and the server's RSS is read before, during (its peak, VmHWM) and after a SIZE_MIB upload (1024 by
# default) by curl over HTTP/1.1 and over h2c.
#
#   Benchmarks/upload.sh            # SIZE_MIB=1024
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
SIZE_MIB="${SIZE_MIB:-1024}"
WORK="$(mktemp -d /tmp/journey-upload.XXXXXX)"
trap 'kill -TERM "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
SCRATCH="$ROOT/Examples/TodoAPI/.build"   # shared with Benchmarks/api.sh
(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --product journey-route-load >/dev/null)
BIN="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/journey-route-load"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$WORK/body.bin"
"$BIN" --port 18190 --upload-file "$WORK/uploaded.bin" >"$WORK/server.log" 2>&1 &
PID=$!
for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:18190/plaintext)" = 200 ] && break
    sleep 0.1
done
kib() { awk -v f="$1:" '$1==f {print $2}' "/proc/$PID/status"; }
echo "idle: RSS $(( $(kib VmRSS) / 1024 )) MiB, peak so far $(( $(kib VmHWM) / 1024 )) MiB"
for protocol in --http1.1 --http2-prior-knowledge; do
    answer=$(curl -s "$protocol" -T "$WORK/body.bin" http://127.0.0.1:18190/upload)
    cmp -s "$WORK/body.bin" "$WORK/uploaded.bin" && same=identical || same=DIFFERENT
    echo "$protocol: ${SIZE_MIB} MiB uploaded (server wrote $answer bytes, $same); RSS $(( $(kib VmRSS) / 1024 )) MiB," \
        "peak $(( $(kib VmHWM) / 1024 )) MiB"
done
