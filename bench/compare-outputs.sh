#!/usr/bin/env bash
# Whether two `accord` binaries write the same document bytes: run both on the 60,000-line
# benchmark API, the examples, the stress API and every .accord input of the repository's tests
# that compiles, and diff the output folders. For performance work on the emitters: build the
# old binary, keep a copy, change the code, then compare. Prints each difference; exits 1 if any.
#
#   cp target/release/accord /tmp/accord-before   (before the change)
#   bash bench/compare-outputs.sh /tmp/accord-before [target/release/accord]
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(realpath "$1")
after=$(realpath "${2:-target/release/accord}")
work=target/compare-outputs
rm -rf "$work" && mkdir -p "$work"
documents=openapi,asyncapi,jsonschema,proto,docs

cargo run --release -q -p accord-idl --example synth -- "$work/synth" >/dev/null
inputs=("$work/synth" examples/ftgo/api tests/stress tests/rust-golden/api macros/tests/api)
while IFS= read -r file; do inputs+=("$file"); done < <(
    find idl-parser/tests -name '*.accord' | sort
)

compared=0 differ=0 skipped=0
for input in "${inputs[@]}"; do
    name=$(echo "$input" | tr '/.' '__')
    # Inputs that do not compile (the error fixtures) write nothing: skip them.
    if ! "$before" build "$input" --out "$work/$name/before" --target "$documents" >/dev/null 2>&1; then
        skipped=$((skipped + 1))
        continue
    fi
    "$after" build "$input" --out "$work/$name/after" --target "$documents" >/dev/null 2>&1 || true
    compared=$((compared + 1))
    if ! diff -r -q "$work/$name/before" "$work/$name/after"; then
        differ=$((differ + 1))
    fi
done
echo "compared $compared inputs ($skipped do not compile): $differ differ"
[ "$differ" -eq 0 ]
