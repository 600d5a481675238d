#!/usr/bin/env bash
# Builds the libFuzzer targets (debug, address sanitizer) and runs each for SECONDS (default 60), two at a time.
#   Fuzz/run.sh            # all targets, 60 s each
#   SECONDS_EACH=10 Fuzz/run.sh FuzzByteRange
#   RUNS_EACH=20000 Fuzz/run.sh         # a fixed number of inputs from a fixed seed (what .ci/run does)
#   BUILD_ONLY=1 Fuzz/run.sh            # builds the targets and stops (.ci/run builds them beside another build)
# LeakSanitizer is on: an input whose handling leaks memory counts as a crash.
# Crashes are written to Fuzz/crashes/<target>/; turn each into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzByteRange FuzzRequestPath FuzzAcceptEncoding FuzzPreconditions FuzzDirectoryListing FuzzHTTP1 FuzzHTTP2 FuzzRESP FuzzWebSocketSession)
seconds="${SECONDS_EACH:-60}"
# libFuzzer without main(), from the toolchain's clang runtime (FuzzSupport links it and drives it).
FUZZER_NO_MAIN="$(ls "$(dirname "$(readlink -f "$(command -v swiftc)")")"/../lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -1)"
export FUZZER_NO_MAIN
build=(swift build -c debug --scratch-path .build-fuzz
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
bin="$("${build[@]}" --show-bin-path)"
# Every target built first, in one build (one plan, the shared modules compiled once), then run two at a time:
# each libFuzzer run is one thread, and CI's machine has two cores.
log="$(mktemp)"
if ! "${build[@]}" >"$log" 2>&1; then
    grep -E "error" "$log" >&2 || tail -20 "$log" >&2
    echo "fuzz targets: build failed" >&2
    exit 1
fi
[ -z "${BUILD_ONLY:-}" ] || exit 0
run() { # target: runs it and judges the run; its output is printed by the caller
    local target=$1 log budget status runs
    log="$(mktemp)"
    mkdir -p "crashes/$target" "corpus/$target"
    if [ -n "${RUNS_EACH:-}" ]; then
        budget=(-seed=1 -runs="$RUNS_EACH")
        echo "== $target ($RUNS_EACH inputs, seed 1)"
    else
        budget=(-max_total_time="$seconds")
        echo "== $target (${seconds}s)"
    fi
    # The Swift backtracer would symbolicate a crash in the ASan binary for minutes: libFuzzer reports it anyway.
    # The verdict is libFuzzer's exit status and its count of inputs, not the absence of a crash file: a target that
    # fails to start, or stops early without one, fails too.
    status=0
    SWIFT_BACKTRACE=enable=no "$bin/$target" "${budget[@]}" -max_len=4096 -artifact_prefix="crashes/$target/" \
        "corpus/$target" >"$log" 2>&1 || status=$?
    grep -E "^#[0-9]+ *DONE|ERROR|SUMMARY|Done [0-9]+ runs" "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -40 "$log"
        echo "$target: libFuzzer exited with status $status (crashes, if any, in Fuzz/crashes/$target)"
        return 1
    fi
    if compgen -G "crashes/$target/crash-*" >/dev/null || compgen -G "crashes/$target/timeout-*" >/dev/null \
        || compgen -G "crashes/$target/oom-*" >/dev/null || compgen -G "crashes/$target/leak-*" >/dev/null; then
        echo "$target: crash found, see Fuzz/crashes/$target"
        return 1
    fi
    runs=$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$log" | tail -1)
    if [ -z "$runs" ] || { [ -n "${RUNS_EACH:-}" ] && [ "$runs" -lt "$RUNS_EACH" ]; }; then
        tail -20 "$log"
        echo "$target: ran ${runs:-no} inputs, ${RUNS_EACH:-some} were asked for"
        return 1
    fi
    echo "$target: $runs inputs, no crash"
}
outputs="$(mktemp -d)"
pids=()
names=()
failed=0
# Waits for the oldest run still going and prints what it said: the output comes in the targets' order.
finish_oldest() {
    wait "${pids[0]}" || failed=1
    cat "$outputs/${names[0]}"
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
}
for target in "${targets[@]}"; do
    run "$target" >"$outputs/$target" 2>&1 &
    pids+=($!)
    names+=("$target")
    if [ ${#pids[@]} -ge 2 ]; then finish_oldest; fi
done
while [ ${#pids[@]} -gt 0 ]; do finish_oldest; done
if [ "$failed" -ne 0 ]; then
    echo "fuzz targets: at least one failed (above)" >&2
    exit 1
fi
