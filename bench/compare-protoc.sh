#!/usr/bin/env bash
# Times the `accord` binary against `protoc` on the 60,000-line benchmark API and reports peak
# memory. Prints numbers; asserts nothing. Needs hyperfine and protoc (apt-get install hyperfine
# protobuf-compiler).
#
#   bash bench/compare-protoc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
work=$target/bench-api
rm -rf "$work" && mkdir -p "$work"

cargo build --release -q -p accord-cli --bin accord
cargo run --release -q -p accord-idl --example synth -- "$work/src"
accord=$target/release/accord

# The same API written as protobuf, by our own emitter, for protoc to parse. A single target
# named with --target goes straight into --out (no proto/ subfolder).
"$accord" build "$work/src" --out "$work/proto" --target proto
proto_dir=$(realpath "$work/proto")
protos=$(find "$proto_dir" -name '*.proto' | sort | tr '\n' ' ')
echo "accord sources: $(cat "$work"/src/api/*.accord | wc -l) lines; protobuf: $(cat $protos | wc -l) lines"

# The builds write about 5,500 files (70 MB) where protoc writes to /dev/null: into memory
# (/dev/shm) when there is one, so that the compiler is timed and not the disk, which on a
# shared machine's overlay file system costs more than the compiling. BENCH_OUT overrides it.
out=${BENCH_OUT:-$([ -w /dev/shm ] && echo /dev/shm/accord-bench || echo "$work/out")}
rm -rf "$out" && mkdir -p "$out"
echo "build outputs in $out"

documents=openapi,asyncapi,jsonschema,proto,docs
hyperfine --warmup 2 --runs 10 -N \
    -n "accord check" "$accord check $work/src" \
    -n "accord build (documents: $documents)" "$accord build $work/src --out $out/docs --target $documents" \
    -n "accord build (all targets)" "$accord build $work/src --out $out/all" \
    -n "protoc descriptor set" "protoc -I $proto_dir -I /usr/include --include_imports -o /dev/null $protos"

# protoc parses on one thread and `accord check` on every core: pinned to one core, both show
# what the work costs rather than how it spreads (the noisier number on a shared machine).
if command -v taskset >/dev/null; then
    hyperfine --warmup 2 --runs 20 -N \
        -n "accord check (one core)" "taskset -c 0 $accord check $work/src" \
        -n "protoc descriptor set (one core)" \
        "taskset -c 0 protoc -I $proto_dir -I /usr/include --include_imports -o /dev/null $protos"
fi

for cmd in "$accord check $work/src" "$accord build $work/src --out $out/docs --target $documents" \
    "$accord build $work/src --out $out/all"; do
    peak=$(/usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -1)
    echo "peak RSS of '$cmd': $((peak / 1024)) MiB"
done
rm -rf "$out"
