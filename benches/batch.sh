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

# Best wall time of RUNS batches, with the CPU seconds of that run: "wall user+sys".
best() {
    local jobs=$1 best_wall= best_cpu=
    for _ in $(seq 1 "$runs"); do
        rm -rf "$work/out"
        local times wall cpu
        times=$( { TIMEFORMAT='%R %U %S'; time "$bin" batch "$fleet" -o "$work/out" ${jobs:+--jobs "$jobs"} 2>/dev/null; } 2>&1 )
        wall=$(echo "$times" | awk '{print $1}')
        cpu=$(echo "$times" | awk '{print $2 + $3}')
        if [ -z "$best_wall" ] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
            best_wall=$wall
            best_cpu=$cpu
        fi
    done
    echo "$best_wall $best_cpu"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
read -r serial serial_cpu <<<"$(best 1)"
read -r parallel parallel_cpu <<<"$(best "")"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cores=$(nproc)
awk -v s="$serial" -v sc="$serial_cpu" -v p="$parallel" -v pc="$parallel_cpu" -v b="$bundles" \
    -v c="$cores" -v r="$runs" -v lb="$load_before" -v la="$load_after" 'BEGIN {
    printf "bundles %d, cores %d, best of %d runs; load average %s before, %s after\n", b, c, r, lb, la;
    printf "serial (--jobs 1):    %6.2f s wall, %6.2f s CPU\n", s, sc;
    printf "parallel (all cores): %6.2f s wall, %6.2f s CPU\n", p, pc;
    printf "parallel / serial:    %6.2f\n", p / s;
}'
