#!/usr/bin/env bash
# Build the starting corpora from the repository's real samples (tests/data, samples/).
# The corpora are not committed: run this once before `cargo fuzz run`.
set -euo pipefail
cd "$(dirname "$0")"
data=../tests/data
samples=../samples
mkdir -p corpus

# seed TARGET SELECTOR FILE...: copy each file into the target's corpus, prefixed with the
# selector byte (given as an octal escape, or empty for targets that take the whole input).
seed() {
    local target=$1 selector=$2
    shift 2
    mkdir -p "corpus/$target"
    local f
    for f in "$@"; do
        [ -f "$f" ] || continue
        local name
        name=$(printf '%s' "$f" | sha1sum | cut -c1-16)
        { printf "$selector"; cat "$f"; } >"corpus/$target/$name"
    done
}

seed free '' "$data"/free/* "$samples"/*/free*
seed proc_tables '\000' "$data"/buddyinfo/* "$samples"/*/proc/buddyinfo
seed proc_tables '\001' "$data"/pagetypeinfo/*
seed proc_tables '\002' "$data"/extfrag_index/*
seed proc_tables '\003' "$data"/slabinfo/* "$samples"/*/proc/slabinfo
seed proc_tables '\004' "$data"/slabtop/*
seed proc_tables '\005' "$data"/meminfo/* "$samples"/*/proc/meminfo
seed proc_tables '\006' "$data"/vmstat/* "$samples"/*/proc/vmstat
seed proc_tables '\007' "$data"/zoneinfo/*
seed proc_tables '\010' "$samples"/*/proc/cgroups
seed proc_tables '\011' "$samples"/*/sysctl*
seed proc_tables '\012' "$data"/uname/* "$samples"/*/uname*
seed proc_tables '\013' "$data"/uptime/* "$samples"/*/uptime
seed proc_tables '\014' "$samples"/*/date
seed proc_tables '\016' "$data"/proc_stat/* "$samples"/*/proc/stat
seed proc_tables '\017' "$samples"/*/hostname
seed proc_tables '\020' "$samples"/*/timedatectl*
seed proc_tables '\021' "$data"/timezone/*.tzif
seed containers '\000' "$data"/docker_events/* "$samples"/*/docker-events*
seed containers '\001' "$data"/docker_inspect/* "$data"/podman_inspect/* "$samples"/*/docker-inspect*
seed containers '\002' "$data"/docker_inspect/*
seed daemon_logs '' "$samples"/*/docker-start-error* "$data"/messages/* "$data"/journalctl/*
seed kernel_log '\000' "$data"/dmesg/* "$data"/dmesg_oom/* "$data"/dmesg_meminfo_dump/* "$samples"/*/dmesg
seed kernel_log '\001' "$data"/messages/* "$samples"/*/messages "$data"/dmesg_oom/aks-*
seed kernel_log '\002' "$data"/journalctl/*

# Bundles: the samples packed as tar, tar.gz and zip when the tools are there.
mkdir -p corpus/bundle_reader
for d in "$samples"/*/; do
    n=$(basename "$d")
    tar -C "$d" -cf "corpus/bundle_reader/$n.tar" . 2>/dev/null || true
    tar -C "$d" -czf "corpus/bundle_reader/$n.tar.gz" . 2>/dev/null || true
    if command -v zip >/dev/null; then
        (cd "$d" && zip -qr - .) >"corpus/bundle_reader/$n.zip" 2>/dev/null || true
    fi
done
find corpus -type f -size 0 -delete
for t in corpus/*/; do
    echo "$(basename "$t"): $(find "$t" -type f | wc -l) inputs"
done
