#!/usr/bin/env bash
# Builds every fuzz target on stable (the recipe in Cargo.toml) and runs each for SECONDS
# (default 6; 9 targets, under a minute in all), seeded with the repository's .accord files.
# A crash fails the script and leaves the input in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-6}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks --cfg fuzzing"
targets=(parse check fmt emit_openapi emit_proto emit_asyncapi emit_jsonschema emit_docs emit_rust)
cargo build --release --target "$triple" $(printf -- '--bin %s ' "${targets[@]}")
seed="$(mktemp -d)"
trap 'rm -rf "$seed"' EXIT
find ../examples/ftgo/api ../idl-parser/tests/fixtures ../tests/stress -name '*.accord' \
    -exec cp -t "$seed" {} + 2>/dev/null || true
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    "target/$triple/release/$target" "corpus/$target" "$seed" -max_total_time="$seconds" \
        -timeout=5 -rss_limit_mb=2048 -artifact_prefix="artifacts/$target/" -print_final_stats=1 \
        2>&1 | tail -n 3
done
