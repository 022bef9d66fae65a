#!/usr/bin/env bash
# Instructions (callgrind) per request of the REST bench's pairings, client and server together:
# the process runs twice, 1 s and 3 s, and the difference of the counts is divided by the
# difference of the requests made (warm-up included), which leaves out fixed costs (start-up,
# connecting). Unlike requests/s and CPU time, the count barely moves when other work shares
# the machine, so it is the number to compare before and after a change to the REST glue.
# Prints numbers; asserts nothing. Needs valgrind.
#
#   bash bench/rest-instructions.sh [PAIRING...]   (0 generated pair, 1 hand-written pair,
#                                                   2 hand client + generated server,
#                                                   3 generated proxy + hand server; default 0 1)
set -euo pipefail
cd "$(dirname "$0")/.."
work=target/bench-rest-instructions
rm -rf "$work" && mkdir -p "$work"

# The bench's own artifact: the package's binary is built too and may be reported last.
bench=$(cargo bench -q -p ftgo-order-service --bench rest --no-run --message-format=json 2>/dev/null |
    grep '"kind":\["bench"\]' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
pairings=("$@")
[ ${#pairings[@]} -gt 0 ] || pairings=(0 1)
names=("generated proxy+skeleton" "hand-written axum+reqwest" "hand client, generated server"
    "generated proxy, hand server")

# The whole run's instruction count and its number of requests: "COUNT REQUESTS".
run() {
    local out=$1 pairing=$2 secs=$3
    ACCORD_BENCH_SECS=$secs ACCORD_BENCH_ONLY=$pairing valgrind --tool=callgrind \
        --callgrind-out-file="$out.callgrind" "$bench" --bench >"$out.log" 2>&1
    local total
    total=$(callgrind_annotate "$out.callgrind" 2>/dev/null |
        awk '/PROGRAM TOTALS/ && !seen { gsub(",", "", $1); print $1; seen = 1 }')
    echo "$total $(sed -n 's/^requests in all, warm-up included: //p' "$out.log")"
}

for pairing in "${pairings[@]}"; do
    read -r short_total short_requests < <(run "$work/pairing-$pairing-1s" "$pairing" 1)
    read -r long_total long_requests < <(run "$work/pairing-$pairing-3s" "$pairing" 3)
    requests=$((long_requests - short_requests))
    echo "${names[$pairing]}: $(((long_total - short_total) / requests)) instructions/request" \
        "($requests requests between the runs)"
done
