#!/usr/bin/env bash
# Times the `accord` binary against `protoc` on the 60,000-line benchmark API and reports peak
# memory. Prints numbers; asserts nothing. Needs hyperfine and protoc (apt-get install hyperfine
# protobuf-compiler).
#
#   bash bench/compare-protoc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/bench-api
rm -rf "$work" && mkdir -p "$work"

cargo build --release -q -p accord-cli --bin accord
cargo run --release -q -p accord-idl --example synth -- "$work/src"
accord=target/release/accord

# The same API written as protobuf, by our own emitter, for protoc to parse.
"$accord" build "$work/src" --out "$work/out" --target proto
protos=$(cd "$work/out/proto" && find . -name '*.proto' | sort)
echo "accord sources: $(cat "$work"/src/api/*.accord | wc -l) lines; protobuf: $(cd "$work/out/proto" && cat $protos | wc -l) lines"

hyperfine --warmup 2 --runs 10 -N \
    -n "accord check" "$accord check $work/src" \
    -n "accord build (all targets)" "$accord build $work/src --out $work/all" \
    -n "protoc descriptor set" "protoc -I $work/out/proto -I /usr/include --include_imports -o /dev/null $(cd "$work/out/proto" && echo $protos)"

for cmd in "$accord check $work/src" "$accord build $work/src --out $work/all"; do
    peak=$(/usr/bin/time -f %M $cmd 2>&1 >/dev/null | tail -1)
    echo "peak RSS of '$cmd': $((peak / 1024)) MiB"
done
