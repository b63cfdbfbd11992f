#!/usr/bin/env bash
# Benchmarks of `postmortem report` against the cost of merely reading the same bundle.
#
#   benches/run.sh                 # both profiles, 100M and 1G bundles, 5 runs each
#   RUNS=3 SIZES=100M PROFILES=event-dense benches/run.sh
#   SIZES=10G RUNS=1 WORK=/work/bench benches/run.sh   # 10G: a directory and a tar.gz, made
#                                                      # for the run and removed after it
#   WORK=/var/tmp/pm-bench benches/run.sh   # keep the bundles there, reuse them next time
#   WORK=/dev/shm/pm-bench benches/run.sh   # ... in memory: a machine that pages out cold page
#                                           # cache (DAMON) reads a bundle on disk again each run
#
# Generates bundles with examples/gen-bundle.rs into a temporary folder (removed at the end
# unless KEEP=1), for each profile of PROFILES (`event-dense`: logs full of lines postmortem
# keeps, `chatter`: logs of routine lines it drops; see the generator) and each size of SIZES:
# tar.gz, tar.xz and directory bundles, or for 10G a directory and a tar.gz only (xz takes
# too long to make). Then times, in one run on this machine:
#   postmortem report BUNDLE --format json -o /dev/null
# against `tar -xzOf BUNDLE > /dev/null` (tar.gz), `tar -xJOf BUNDLE > /dev/null` (tar.xz) and
# `find DIR -type f -exec cat {} + | wc -l` (directory, warm cache). Medians of RUNS runs;
# postmortem and its baseline run in turn, so that a busy moment of a shared machine slows
# both. Peak RSS comes from GNU time (`/usr/bin/time -v`), the median of RSS_RUNS runs (3). The
# seed sample is timed end to end as HTML, with hyperfine when installed, else a shell loop.
# Prints a Markdown table (also written to $WORK/results.md). 10G bundles are removed after
# their rows unless KEEP_BIG=1: they take 20 GB of disk.
set -euo pipefail

RUNS=${RUNS:-5}
RSS_RUNS=${RSS_RUNS:-3}
SIZES=${SIZES:-"100M 1G"}
PROFILES=${PROFILES:-"event-dense chatter"}
SEED=${SEED:-42}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
if [ -n "${WORK:-}" ]; then
    # A folder of earlier bundles (same seed): kept, and bundles already there are reused.
    mkdir -p "$WORK"
else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/postmortem-bench.XXXXXX")
    if [ "${KEEP:-0}" != 1 ]; then
        trap 'rm -rf "$WORK"' EXIT
    fi
fi

(cd "$ROOT" && cargo build --release --quiet --bin postmortem --example gen-bundle)
PM=$TARGET/release/postmortem
GEN=$TARGET/release/examples/gen-bundle
[ -x /usr/bin/time ] || { echo "GNU time is needed: apt-get install -y time" >&2; exit 1; }

# median_of CMD: median wall seconds of RUNS runs of a shell command (after one warm-up).
median_of() {
    local cmd=$1
    if command -v hyperfine >/dev/null; then
        hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$WORK/h.json" \
            "$cmd" >/dev/null 2>&1
        python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$WORK/h.json"
    else
        bash -c "$cmd" >/dev/null 2>&1
        local times=()
        for _ in $(seq "$RUNS"); do
            times+=("$(seconds_of "$cmd")")
        done
        median "${times[@]}"
    fi
}

# seconds_of CMD: wall seconds of one run of a shell command.
seconds_of() {
    local start end
    start=$(date +%s.%N)
    bash -c "$1" >/dev/null 2>&1
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

# median_pair CMD_A CMD_B: median wall seconds of each of two commands, run in turn RUNS times
# (after one warm-up of each), so that both see the same moments of a shared machine. Prints
# "MEDIAN_A MEDIAN_B".
median_pair() {
    local a=() b=()
    bash -c "$1" >/dev/null 2>&1
    bash -c "$2" >/dev/null 2>&1
    for _ in $(seq "$RUNS"); do
        a+=("$(seconds_of "$1")")
        b+=("$(seconds_of "$2")")
    done
    echo "$(median "${a[@]}") $(median "${b[@]}")"
}

median() {
    printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m}'
}

# peak_rss_mib CMD: peak resident set size, in MiB: the median of RSS_RUNS runs (the threads
# of a run allocate in a different order each time).
peak_rss_mib() {
    local rss=()
    for _ in $(seq "$RSS_RUNS"); do
        /usr/bin/time -v bash -c "$1" 2>"$WORK/time.txt" >/dev/null
        rss+=("$(awk -F: '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$WORK/time.txt")")
    done
    median "${rss[@]}" | awk '{printf "%.1f\n", $1}'
}

ROWS=()
row() { ROWS+=("| $1 | $2 | $3 | $4 | $5 | $6 |"); }

# bundle_name PROFILE SIZE: the stem of a bundle's file names (the chatter profile keeps the
# names of earlier runs, so that a WORK folder of them is reused).
bundle_name() {
    case $1 in
        chatter) echo "$2" ;;
        *) echo "$1-$2" ;;
    esac
}

for profile in $PROFILES; do
    for size in $SIZES; do
        name=$(bundle_name "$profile" "$size")
        formats="tar.gz tar.xz"
        [ "$size" = 10G ] && formats="tar.gz"
        echo "generating $profile $size bundles..." >&2
        for fmt in $formats; do
            [ -e "$WORK/b$name.$fmt" ] || "$GEN" --profile "$profile" --size "$size" \
                --seed "$SEED" --format "$fmt" -o "$WORK/b$name.$fmt"
        done
        [ -e "$WORK/d$name" ] || "$GEN" --profile "$profile" --size "$size" --seed "$SEED" \
            --format dir -o "$WORK/d$name"

        for fmt in $formats; do
            bundle=$WORK/b$name.$fmt
            flag=z
            [ "$fmt" = tar.xz ] && flag=J
            echo "timing $profile $size $fmt..." >&2
            read -r ours base < <(median_pair "$PM report $bundle --format json -o /dev/null" \
                "tar -x${flag}Of $bundle > /dev/null")
            rss=$(peak_rss_mib "$PM report $bundle --format json -o /dev/null")
            ratio=$(echo "scale=2; $ours / $base" | bc)
            row "$profile $size $fmt ($(du -h "$bundle" | cut -f1) compressed)" "$ours" \
                "\`tar -x${flag}Of\` $base" "$ratio" "$rss" \
                "$([ "$fmt" = tar.gz ] && echo '<= 0.6' || echo '<= 1.1')"
        done

        echo "timing $profile $size directory..." >&2
        dir=$WORK/d$name
        read -r ours base < <(median_pair "$PM report $dir --format json -o /dev/null" \
            "find $dir -type f -exec cat {} + | wc -l")
        rss=$(peak_rss_mib "$PM report $dir --format json -o /dev/null")
        ratio=$(echo "scale=2; $ours / $base" | bc)
        target="<= 2"
        [ "$size" = 10G ] && target="<= 2, < 60 s"
        row "$profile $size directory" "$ours" "\`find -exec cat\` + \`wc -l\` $base" "$ratio" \
            "$rss" "$target"
        if [ "$size" = 10G ] && [ "${KEEP_BIG:-0}" != 1 ]; then
            rm -rf "$WORK/d$name" "$WORK/b$name.tar.gz"
        fi
    done
done

seed=$ROOT/samples/seed-runc-unshare-enomem
ours=$(median_of "$PM report $seed --format html -o /dev/null")
rss=$(peak_rss_mib "$PM report $seed --format html -o /dev/null")
row "seed sample, HTML" "$ours" "-" "-" "$rss" "< 0.050 s"

{
    echo "| bundle | postmortem (s, median of $RUNS) | baseline (s, median) | ratio | peak RSS (MiB) | target |"
    echo "|---|---|---|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
} | tee "$WORK/results.md"
