#!/usr/bin/env bash
# Wall time of `postmortem batch` on a fleet of bundles, all cores against one (`--jobs 1`).
#
# Builds the release binary, makes BUNDLES bundles (default 12) from the seed sample, each a
# .tar.gz whose syslog `messages` carries LINES extra lines (default 150000) of ordinary kernel
# and dockerd traffic so that every bundle takes real parsing work, then times the batch RUNS
# times (default 3) each way and prints the best times and their ratio.
#
# Usage: benches/batch.sh [BUNDLES] [LINES] [RUNS]
set -euo pipefail

bundles=${1:-12}
lines=${2:-150000}
runs=${3:-3}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --manifest-path "$repo/Cargo.toml"
bin=${CARGO_TARGET_DIR:-$repo/target}/release/postmortem

echo "making $bundles bundles of $lines extra log lines each in $work" >&2
fleet=$work/fleet
mkdir -p "$fleet"
for i in $(seq 1 "$bundles"); do
    node=$work/node-$i
    cp -r "$repo/samples/seed-runc-unshare-enomem" "$node"
    awk -v n="$lines" -v seed="$i" 'BEGIN {
        srand(seed);
        for (k = 0; k < n; k++) {
            s = k % 60; m = int(k / 60) % 60;
            if (k % 3 == 0)
                printf "Jan 23 19:%02d:%02d beta_004 kernel: docker_gwbridge: port %d(veth%06x) entered forwarding state\n", m, s, k % 32 + 1, int(rand() * 16777215);
            else if (k % 3 == 1)
                printf "Jan 23 19:%02d:%02d beta_004 dockerd: time=\"2018-01-23T19:%02d:%02d.%06d+08:00\" level=info msg=\"Container %064x health check ok\"\n", m, s, m, s, k % 1000000, k;
            else
                printf "Jan 23 19:%02d:%02d beta_004 systemd: Started Session %d of user root.\n", m, s, k;
        }
    }' > "$node/messages.pre"
    cat "$node/messages.pre" "$node/messages" > "$node/messages.new"
    mv "$node/messages.new" "$node/messages"
    rm "$node/messages.pre"
    tar -czf "$fleet/node-$i.tar.gz" -C "$work" "node-$i"
    rm -rf "$node"
done

best() {
    local jobs=$1 best_ns=
    for _ in $(seq 1 "$runs"); do
        rm -rf "$work/out"
        local start end
        start=$(date +%s%N)
        "$bin" batch "$fleet" -o "$work/out" ${jobs:+--jobs "$jobs"} 2>/dev/null
        end=$(date +%s%N)
        local ns=$((end - start))
        if [ -z "$best_ns" ] || [ "$ns" -lt "$best_ns" ]; then best_ns=$ns; fi
    done
    echo "$best_ns"
}

serial=$(best 1)
parallel=$(best "")
cores=$(nproc)
awk -v s="$serial" -v p="$parallel" -v b="$bundles" -v c="$cores" -v r="$runs" 'BEGIN {
    printf "bundles %d, cores %d, best of %d runs\n", b, c, r;
    printf "serial (--jobs 1): %.2f s\n", s / 1e9;
    printf "parallel (all cores): %.2f s\n", p / 1e9;
    printf "parallel / serial: %.2f\n", p / s;
}'
