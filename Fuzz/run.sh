#!/usr/bin/env bash
# Builds the libFuzzer targets (debug, address sanitizer) and runs each for SECONDS (default 60).
#   Fuzz/run.sh            # all targets, 60 s each
#   SECONDS_EACH=10 Fuzz/run.sh FuzzByteRange
# Crashes are written to Fuzz/crashes/<target>/; turn each into a regression test before fixing it.
set -euo pipefail
cd "$(dirname "$0")"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzByteRange FuzzRequestPath FuzzAcceptEncoding FuzzPreconditions FuzzDirectoryListing FuzzHTTP1)
seconds="${SECONDS_EACH:-60}"
build=(swift build -c debug --sanitize fuzzer --sanitize address --scratch-path .build-fuzz)
bin="$("${build[@]}" --show-bin-path)"
for target in "${targets[@]}"; do
    # One product at a time: building everything would link the site plugin's tool with libFuzzer's main().
    "${build[@]}" --product "$target" 2>&1 | grep -E "error|warning: " || true
    mkdir -p "crashes/$target" "corpus/$target"
    echo "== $target (${seconds}s)"
    "$bin/$target" -max_total_time="$seconds" -max_len=4096 -artifact_prefix="crashes/$target/" "corpus/$target" 2>&1 \
        | grep -E "^#[0-9]+ *DONE|ERROR|SUMMARY|Done [0-9]+ runs" || true
    if ls "crashes/$target"/crash-* >/dev/null 2>&1; then
        echo "$target: crash found, see Fuzz/crashes/$target" >&2
        exit 1
    fi
done
