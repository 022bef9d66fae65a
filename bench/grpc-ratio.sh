#!/usr/bin/env bash
# The gRPC bench's generated/hand-written throughput ratios (unary GetOrder, also against the
# hand-written pair doing the generated pair's duties; a 1,000-message WatchOrder stream) and
# Order's encode/decode against prost, as medians of several runs: one
# run moves by several points on a shared machine; then, in a last short run, allocations per
# unary call of each side. Prints numbers; asserts nothing.
#
#   bash bench/grpc-ratio.sh [RUNS]   (default 10; each run is ACCORD_BENCH_SECS, default 3,
#                                      seconds per side and shape, about 15 s in all)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/summary.sh
runs=${1:-10}
cargo bench -q -p ftgo-order-service --bench grpc --no-run 2>/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((i = 1; i <= runs; i++)); do
    out=$(ACCORD_BENCH_SECS=${ACCORD_BENCH_SECS:-3} cargo bench -q -p ftgo-order-service --bench grpc 2>/dev/null)
    unary=$(sed -n 's/^unary GetOrder throughput ratio generated\/hand-written: //p' <<<"$out")
    duties=$(sed -n 's/^unary GetOrder throughput ratio generated\/hand-written with duties: //p' <<<"$out")
    stream=$(sed -n 's/^stream of 1000 (messages) throughput ratio generated\/hand-written: //p' <<<"$out")
    encode=$(sed -n 's/.*encode .*(prost\/accord \([0-9.]*\)); decode.*/\1/p' <<<"$out")
    decode=$(sed -n 's/.*; decode .*(prost\/accord \([0-9.]*\))$/\1/p' <<<"$out")
    echo "run $i: unary $unary (against the hand-written pair with duties $duties), stream $stream, encode prost/accord $encode, decode prost/accord $decode"
    echo "$unary $duties $stream $encode $decode" >>"$results"
done
# Median, quartiles and range of each column.
summarize "$results" 'unary ratio' 'unary, with duties' 'stream ratio' 'encode prost/accord' 'decode prost/accord'
# Allocations per call (client + server) of each pairing: a count, the same from run to run.
ACCORD_BENCH_SECS=1 ACCORD_BENCH_ALLOCS=1 cargo bench -q -p ftgo-order-service --bench grpc 2>/dev/null |
    sed -n 's/^unary GetOrder: \([a-z+, -]*[a-z]\) *[0-9]*\/s .* \([0-9.]*\) allocs\/call$/allocations per unary call, \1: \2/p'
