# Sourced by the ratio scripts: `summarize FILE NAME...` prints, for each column of FILE (one
# line per run, numbers separated by spaces) named by the NAMEs in order, the median, the
# quartiles and the range over the runs. Linear interpolation between ranks, as in numpy's
# default percentile.
summarize() {
    local file=$1 column=0 name
    shift
    for name in "$@"; do
        column=$((column + 1))
        cut -d' ' -f"$column" "$file" | sort -n | awk -v name="$name" '
            { v[NR] = $1 }
            function q(p,  i) { i = 1 + p * (NR - 1); return v[int(i)] + (i - int(i)) * (v[int(i) + 1] - v[int(i)]) }
            END { printf "%-22s median %.3f, quartiles %.3f-%.3f, range %.3f-%.3f (%d runs)\n",
                  name, q(0.5), q(0.25), q(0.75), v[1], v[NR], NR }'
    done
}
