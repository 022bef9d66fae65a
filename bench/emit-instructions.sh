#!/usr/bin/env bash
# Instructions (callgrind) each document target costs on the 60,000-line benchmark API: the
# count of `accord build --target T` minus that of `accord check`, all threads included. Unlike
# wall time, the count barely moves when others use the CPU, so it is the number to compare
# before and after a change on a shared machine. Prints numbers; asserts nothing. Needs valgrind
# (apt-get install valgrind).
#
#   bash bench/emit-instructions.sh [TARGET...]     (default: every document target)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
work=$target/bench-instructions
rm -rf "$work" && mkdir -p "$work"

cargo build --release -q -p accord-cli --bin accord
cargo run --release -q -p accord-idl --example synth -- "$work/src" >/dev/null
accord=$target/release/accord
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(openapi asyncapi jsonschema proto docs)

instructions() {
    local out=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>&1 || true
    callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !seen { gsub(",", "", $1); print $1; seen = 1 }'
}

base=$(instructions "$work/check.out" "$accord" check "$work/src")
echo "accord check (front end): $((base / 1000000))M instructions"
for target in "${targets[@]}"; do
    total=$(instructions "$work/$target.out" "$accord" build "$work/src" --out "$work/out" --target "$target")
    echo "$target: $(((total - base) / 1000000))M instructions"
done
