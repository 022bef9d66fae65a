#!/usr/bin/env bash
# The instruction-count guard (issue 31): instructions (callgrind) per REST call (a HAL
# resource and a plain operation, generated proxy + skeleton), per gRPC unary call, per message
# of the typed messaging path (embedded broker) and of one `accord check` of the 60,000-line
# benchmark API, against bench/instructions.baseline. A count more than 3% above its baseline
# fails (exit 1); so does a case that did not run. Unlike times, these counts barely move when
# other work shares the machine, so a regression cannot hide in the noise.
#
#   bash bench/instructions.sh            measure and compare (what .ci/run does)
#   bash bench/instructions.sh --update   measure and rewrite the baseline
#   bash bench/instructions.sh --ratios   instead, each call case beside the hand-written pair
#                                         the throughput benches compare it with (reqwest + axum,
#                                         tonic + prost; also doing the generated pair's duties)
#                                         and the ratio hand-written/generated, then an Order's
#                                         encoding and decoding beside prost's, and (with
#                                         nats-server on PATH) a typed NATS message beside the raw
#                                         client's: like for like, in a unit the machine's load
#                                         does not move
#
# A deliberate change of a count (a feature that costs, an optimization, a dependency update)
# updates the baseline in the same commit, with the reason in the commit message. Counts depend
# on the compiler and the dependencies' versions, less on the CPU: a baseline is produced where
# the guard runs (see its first line). Needs valgrind and taskset. ACCORD_GUARD_TOLERANCE
# changes the allowed rise (percent, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=bench/instructions.baseline
tolerance=${ACCORD_GUARD_TOLERANCE:-3}
update=0 ratios=0
[ "${1:-}" = --update ] && update=1
[ "${1:-}" = --ratios ] && ratios=1
command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
target=${CARGO_TARGET_DIR:-target}
work=$target/bench-instructions
rm -rf "$work" && mkdir -p "$work"

# One release build for every case (benches use the release profile).
executable() { # PACKAGE BENCH [FEATURES]: the bench's executable
    cargo bench -q -p "$1" --bench "$2" ${3:+--features "$3"} --no-run --message-format=json 2>/dev/null |
        grep '"kind":\["bench"\]' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1
}
calls=$(executable ftgo-order-service instructions)
messaging=$(executable accord-runtime messaging)
cargo build --release -q -p accord-cli --bin accord
cargo run --release -q -p accord-idl --example synth -- "$work/api" >/dev/null
accord=$target/release/accord

# Total instructions of a command under callgrind.
instructions() {
    local out=$work/callgrind.out
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >"$work/last.log" 2>&1 ||
        { cat "$work/last.log" >&2; return 1; }
    sed -n 's/^summary: //p' "$out"
}

# Instructions per unit: the difference of two runs of N1 and N2 units over N2 - N1, which
# leaves out start-up. $1 names the variable carrying the count; the rest is the command.
per_unit() {
    local variable=$1 n1=$2 n2=$3 i1 i2
    shift 3
    i1=$(env "$variable=$n1" "$@" | tail -1) || return 1
    i2=$(env "$variable=$n2" "$@" | tail -1) || return 1
    echo $(((i2 - i1) / (n2 - n1)))
}

call_case() { ACCORD_BENCH_CASE=$1 instructions "$calls" --bench; }
typed() { instructions "$messaging" --bench; }
export -f instructions call_case typed
export work calls messaging

if [ "$ratios" = 1 ]; then
    # CASE GENERATED OTHER LABEL [SHORT [UNIT]]: one line of counts and their ratio,
    # other/generated (above 1: the generated code runs fewer instructions).
    ratio() {
        awk -v c="$1" -v g="$2" -v h="$3" -v label="$4" -v short="${5:-$4}" \
            -v unit="${6:-call}" 'BEGIN {
            printf "%-12s generated %7d, %s %7d instructions per %s: %s/generated %.3f\n",
                c, g, label, h, unit, short, h / g }'
    }
    declare -A generated
    for case in rest-hal rest-plain grpc-unary; do
        generated[$case]=$(per_unit ACCORD_BENCH_CALLS 100 400 bash -c "call_case $case")
        hand=$(per_unit ACCORD_BENCH_CALLS 100 400 bash -c "call_case $case-hand")
        ratio "$case" "${generated[$case]}" "$hand" hand-written
    done
    # The hand-written pairs doing the generated pairs' duties too (trace context, deadline).
    for case in rest-hal rest-plain grpc-unary; do
        duties=$(per_unit ACCORD_BENCH_CALLS 100 400 bash -c "call_case $case-hand-duties")
        ratio "$case" "${generated[$case]}" "$duties" "hand-written with its duties" hand
    done
    # An Order's encoding and decoding, accord::proto against prost's derive.
    for way in encode decode; do
        ours=$(per_unit ACCORD_BENCH_CALLS 1000 4000 bash -c "call_case proto-$way")
        theirs=$(per_unit ACCORD_BENCH_CALLS 1000 4000 bash -c "call_case prost-$way")
        ratio "proto-$way" "$ours" "$theirs" prost
    done
    # The typed messaging path on NATS (publish, consume, ack: this process's side of it; the
    # server is not counted) against the raw async-nats client sending the same headers, when
    # nats-server is on PATH.
    if command -v nats-server >/dev/null; then
        nats_bench=$(executable accord-runtime messaging nats)
        nats_path() {
            ACCORD_BENCH_BROKER_ONLY=$1 ACCORD_BENCH_BROKER_RUNS=1 ACCORD_BENCH_MESSAGES=100 \
                ACCORD_BENCH_RUNS=1 ACCORD_BENCH_ROUND_TRIPS=10 instructions "$nats_bench" --bench
        }
        export -f nats_path
        export nats_bench
        typed=$(per_unit ACCORD_BENCH_BROKER_MESSAGES 500 2500 bash -c 'nats_path typed')
        raw=$(per_unit ACCORD_BENCH_BROKER_MESSAGES 500 2500 bash -c 'nats_path raw_headers')
        ratio nats-typed "$typed" "$raw" "raw async-nats (same headers)" raw message
    fi
    exit 0
fi

declare -A measured
measured[rest-hal]=$(per_unit ACCORD_BENCH_CALLS 100 400 bash -c 'call_case rest-hal')
measured[rest-plain]=$(per_unit ACCORD_BENCH_CALLS 100 400 bash -c 'call_case rest-plain')
measured[grpc-unary]=$(per_unit ACCORD_BENCH_CALLS 100 400 bash -c 'call_case grpc-unary')
measured[messaging-typed]=$(ACCORD_BENCH_MEMORY_ONLY=1 ACCORD_BENCH_ONLY=typed ACCORD_BENCH_RUNS=1 ACCORD_BENCH_ROUND_TRIPS=100 \
    per_unit ACCORD_BENCH_MESSAGES 5000 25000 bash -c typed)
# On one core (the front end then uses one thread; more would add their own, varying, share).
# taskset outside valgrind: callgrind does not follow an exec.
measured[check-60k]=$(taskset -c 0 bash -c 'instructions "$0" check "$1"' "$accord" "$work/api")
cases=(rest-hal rest-plain grpc-unary messaging-typed check-60k)
units=("per call" "per call" "per call" "per message" "per run")
for case in "${cases[@]}"; do
    [[ ${measured[$case]} =~ ^[0-9]+$ ]] || { echo "$case: no count measured" >&2; exit 1; }
done

if [ "$update" = 1 ]; then
    {
        echo "# Instructions (callgrind) per unit; produced by \`bash bench/instructions.sh --update\`"
        echo "# at $(git rev-parse --short HEAD) with $(rustc --version | cut -d' ' -f1-2), valgrind $(valgrind --version | sed 's/valgrind-//'), on $(uname -m)."
        for i in "${!cases[@]}"; do
            echo "${cases[$i]} ${measured[${cases[$i]}]}"
        done
    } >"$baseline"
    cat "$baseline"
    exit 0
fi

failed=0
for i in "${!cases[@]}"; do
    case=${cases[$i]}
    now=${measured[$case]}
    before=$(awk -v c="$case" '$1 == c { print $2 }' "$baseline")
    if [ -z "$before" ]; then
        printf '%-16s %12s instructions %s: no baseline\n' "$case" "$now" "${units[$i]}"
        failed=1
        continue
    fi
    change=$(awk -v a="$now" -v b="$before" 'BEGIN { printf "%+.2f", (a - b) * 100 / b }')
    verdict=ok
    if awk -v a="$now" -v b="$before" -v t="$tolerance" 'BEGIN { exit !(a > b * (1 + t / 100)) }'; then
        verdict="FAILED: more than ${tolerance}% above the baseline"
        failed=1
    fi
    printf '%-16s %12s instructions %-11s baseline %12s  %s%%  %s\n' \
        "$case" "$now" "${units[$i]}" "$before" "$change" "$verdict"
done
exit "$failed"
