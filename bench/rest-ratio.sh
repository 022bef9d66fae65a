#!/usr/bin/env bash
# The REST bench's generated/hand-written throughput ratio over several runs (and against the
# hand-written pair doing the generated pair's duties by hand: trace context, deadline). On a
# shared machine one run's ratio moves by several points (the two sides share the machine slice
# by slice, yet connections and task placement differ from run to run), so a ratio is reported
# as the median of many runs, with its spread. Prints numbers; asserts nothing.
#
#   bash bench/rest-ratio.sh [RUNS]   (default 12; each run is ACCORD_BENCH_SECS, default 4,
#                                      seconds per pairing, about 20 s in all)
#
# ACCORD_BENCH_OP=plain measures the plain `GET /consumers/{id}` instead of the HAL resource
# `GET /orders/{id}`. A last, shorter run counts heap allocations per request of each side
# (counting slows every allocation a little, so the timed runs do not count).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/summary.sh
runs=${1:-12}
cargo bench -q -p ftgo-order-service --bench rest --no-run 2>/dev/null
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for ((i = 1; i <= runs; i++)); do
    out=$(ACCORD_BENCH_SECS=${ACCORD_BENCH_SECS:-4} cargo bench -q -p ftgo-order-service --bench rest 2>/dev/null)
    whole=$(sed -n 's/^throughput ratio generated\/hand-written: //p' <<<"$out")
    duties=$(sed -n 's/^throughput ratio generated\/hand-written with duties: //p' <<<"$out")
    paired=$(sed -n 's/^paired slices: median \([0-9.]*\).*/\1/p' <<<"$out")
    cpu=$(sed -n 's/^CPU-per-request ratio hand-written\/generated: \([0-9.]*\) (pair).*/\1/p' <<<"$out")
    echo "run $i: whole-run ratio $whole, paired-slice median $paired, CPU ratio $cpu, against the hand-written pair with duties $duties"
    echo "$whole $paired $cpu $duties" >>"$results"
done
# Median, quartiles and range of each column.
summarize "$results" 'whole-run ratio' 'paired-slice median' 'CPU-per-request ratio' 'ratio, with duties'
# Allocations per request: a count, the same from run to run.
ACCORD_BENCH_SECS=1 ACCORD_BENCH_ALLOCS=1 cargo bench -q -p ftgo-order-service --bench rest 2>/dev/null |
    sed -n 's/^\([a-z+ ,-]*[a-z]\) *[0-9]* req\/s.* \([0-9.]*\) allocs\/req.*/allocations per request, \1: \2/p'
