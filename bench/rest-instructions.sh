#!/usr/bin/env bash
# Instructions (callgrind) per request of the REST bench's pairings, client and server together:
# the process runs twice, 1 s and 3 s, and the difference of the counts is divided by the
# difference of the requests made (warm-up included), which leaves out fixed costs (start-up,
# connecting). Only a few hundred requests a second get through valgrind: for steadier numbers
# lengthen the second run (ACCORD_LONG_SECS=8; ACCORD_SHORT_SECS sets the first). Unlike
# requests/s and CPU time, the count barely moves when other work shares the machine, so it is
# the number to compare before and after a change to the REST glue.
# Prints numbers; asserts nothing. Needs valgrind.
#
# ACCORD_CACHE_SIM=1 also simulates caches and branch prediction and prints L1 misses,
# mispredicted branches and a cycle estimate (instructions + 10 per L1 miss + 100 per
# last-level miss + 15 per misprediction). Instructions alone understate the generated
# pair's cost: its futures are larger and move more memory. The estimate's generated/hand
# ratio matched the wall-clock ratio (0.935 against 0.93) where instructions said 0.975.
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

cache_sim=()
[ "${ACCORD_CACHE_SIM:-0}" = 1 ] && cache_sim=(--cache-sim=yes --branch-sim=yes)

# The whole run's event counts and its number of requests: "Ir [I1mr ... Bim] REQUESTS", in
# the order of callgrind's `events:` line (Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw Bc Bcm Bi Bim
# with the simulation).
run() {
    local out=$1 pairing=$2 secs=$3
    ACCORD_BENCH_SECS=$secs ACCORD_BENCH_ONLY=$pairing valgrind --tool=callgrind \
        "${cache_sim[@]}" --callgrind-out-file="$out.callgrind" "$bench" --bench >"$out.log" 2>&1
    echo "$(sed -n 's/^summary: //p' "$out.callgrind")" \
        "$(sed -n 's/^requests in all, warm-up included: //p' "$out.log")"
}

for pairing in "${pairings[@]}"; do
    read -ra short < <(run "$work/pairing-$pairing-short" "$pairing" "${ACCORD_SHORT_SECS:-1}")
    read -ra long < <(run "$work/pairing-$pairing-long" "$pairing" "${ACCORD_LONG_SECS:-3}")
    n=${#long[@]}
    requests=$((long[n - 1] - short[n - 1]))
    # Per request: each event's difference between the runs over the requests between them.
    per=()
    for ((i = 0; i < n - 1; i++)); do per+=($(((long[i] - short[i]) / requests))); done
    line="${names[$pairing]}: ${per[0]} instructions/request"
    if [ "$n" -eq 14 ]; then
        l1=$((per[3] + per[4] + per[5])) ll=$((per[6] + per[7] + per[8])) miss=$((per[10] + per[12]))
        line+=", $l1 L1 misses, $miss mispredictions, ~$((per[0] + 10 * l1 + 100 * ll + 15 * miss)) cycles"
    fi
    echo "$line ($requests requests between the runs)"
done
