#!/bin/sh
# postmortem-collect: gather from a Linux node what `postmortem report` needs, read-only.
#
# Needs nothing beyond a base system; uses docker, podman, crictl, journalctl and runc only where
# they are present. Every command is bounded in time and in output size. It never mounts, writes
# to /proc or /sys, or changes anything on the host: it only reads, into a folder under the output
# directory, which it packs as one .tar.gz named after the host and the time.
#
# Usage: postmortem-collect.sh [--since "48 hours ago"] [--output DIR] [--timeout SECONDS]
#                              [--keep-env] [--help] [--version]

set -u

VERSION=1
SINCE="48 hours ago"
OUTDIR="${TMPDIR:-/tmp}"
CMD_TIMEOUT=60
KEEP_ENV=0
# Per-command output cap: logs beyond this are cut, and the manifest says so.
MAX_BYTES=268435456
# At most this many cgroup directories are read: a node runs hundreds of pods.
MAX_CGROUP_DIRS=150

usage() {
    cat <<'EOF'
postmortem-collect: gather what postmortem needs from this node, read-only.

Usage: postmortem-collect.sh [options]

Options:
  --since WHEN      start of the log window, as journalctl and docker take it
                    (default: "48 hours ago")
  --output DIR      where to write the .tar.gz (default: $TMPDIR or /tmp)
  --timeout SECONDS longest time one command may run (default: 60)
  --keep-env        keep container environment values (masked by default: they
                    often hold passwords and tokens)
  --help            this text
  --version         the collector's version

Run as root for the complete picture (dmesg, slabinfo, debugfs extfrag files);
as another user it collects what it can and says what it could not read.
EOF
}

while [ $# -gt 0 ]; do
    case "$1" in
        --since) [ $# -ge 2 ] || { echo "postmortem-collect: --since needs a value" >&2; exit 2; }
            SINCE=$2; shift 2 ;;
        --since=*) SINCE=${1#--since=}; shift ;;
        --output) [ $# -ge 2 ] || { echo "postmortem-collect: --output needs a directory" >&2; exit 2; }
            OUTDIR=$2; shift 2 ;;
        --output=*) OUTDIR=${1#--output=}; shift ;;
        --timeout) [ $# -ge 2 ] || { echo "postmortem-collect: --timeout needs seconds" >&2; exit 2; }
            CMD_TIMEOUT=$2; shift 2 ;;
        --timeout=*) CMD_TIMEOUT=${1#--timeout=}; shift ;;
        --keep-env) KEEP_ENV=1; shift ;;
        -h|--help) usage; exit 0 ;;
        --version) echo "postmortem-collect $VERSION"; exit 0 ;;
        *) echo "postmortem-collect: unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done

case "$CMD_TIMEOUT" in
    ''|*[!0-9]*) echo "postmortem-collect: --timeout takes whole seconds, not '$CMD_TIMEOUT'" >&2; exit 2 ;;
esac
if [ ! -d "$OUTDIR" ] || [ ! -w "$OUTDIR" ]; then
    echo "postmortem-collect: output directory '$OUTDIR' does not exist or is not writable" >&2
    exit 2
fi

have() { command -v "$1" >/dev/null 2>&1; }

host=$(hostname 2>/dev/null || uname -n)
# Host names are used in a file name: keep it to safe characters.
safe_host=$(printf '%s' "$host" | tr -c 'A-Za-z0-9._-' '_')
stamp=$(date -u +%Y%m%dT%H%M%SZ)
name="postmortem-${safe_host}-${stamp}"
work=$(mktemp -d "$OUTDIR/.${name}.XXXXXX") || { echo "postmortem-collect: cannot create a work folder in $OUTDIR" >&2; exit 2; }
dir="$work/$name"
mkdir -p "$dir" || exit 2
records="$work/records"
: > "$records"
unreadable=""

cleanup() { rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# RFC 3339 UTC with nanoseconds where date supports %N (busybox prints it literally).
now_rfc3339() {
    t=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ 2>/dev/null)
    case "$t" in *N*|'') date -u +%Y-%m-%dT%H:%M:%SZ ;; *) printf '%s\n' "$t" ;; esac
}

now_epoch() {
    t=$(date +%s.%N 2>/dev/null)
    case "$t" in *N*|'') date +%s ;; *) printf '%s\n' "$t" ;; esac
}

json_string() {
    # Escape for a JSON string: backslash, quote, control characters dropped.
    printf '%s' "$1" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n\t' '  '
}

# bounded COMMAND [ARGS...]: run a command under the time limit when `timeout` exists.
bounded() {
    if have timeout; then
        timeout "$CMD_TIMEOUT" "$@"
    else
        "$@"
    fi
}

# run OUTPUT COMMAND [ARGS...]: run a command with a time limit, its standard output to OUTPUT
# (relative to the bundle folder), and record it in the manifest.
run() {
    out=$1
    shift
    mkdir -p "$dir/$(dirname "$out")"
    started=$(now_rfc3339)
    t0=$(now_epoch)
    bounded "$@" > "$dir/$out.part" 2> "$work/stderr"
    status=$?
    t1=$(now_epoch)
    truncated=false
    # 124: timeout stopped it; what it wrote so far is kept, marked truncated.
    [ "$status" -eq 124 ] && truncated=true
    size=$(wc -c < "$dir/$out.part" | tr -d ' ')
    if [ "$size" -gt "$MAX_BYTES" ]; then
        dd if="$dir/$out.part" of="$dir/$out" bs=1048576 count=$((MAX_BYTES / 1048576)) 2>/dev/null
        rm -f "$dir/$out.part"
        truncated=true
        size=$(wc -c < "$dir/$out" | tr -d ' ')
    else
        mv "$dir/$out.part" "$dir/$out"
    fi
    if [ "$status" -ne 0 ] && [ "$size" -eq 0 ]; then
        rm -f "$dir/$out"
        unreadable="$unreadable
  $*: $(head -n 1 "$work/stderr" 2>/dev/null)"
        out_json=null
    else
        out_json="\"$(json_string "$out")\""
    fi
    duration=$(awk -v a="$t0" -v b="$t1" 'BEGIN { d = b - a; if (d < 0) d = 0; printf "%.3f", d }')
    printf '{"command": "%s", "output": %s, "exit_status": %s, "started_at": "%s", "duration_s": %s, "bytes": %s, "truncated": %s}\n' \
        "$(json_string "$*")" "$out_json" "$status" "$started" "$duration" "$size" "$truncated" >> "$records"
}

# copy OUTPUT FILE: a file of /proc, /sys or /etc, if it exists.
copy() {
    [ -e "$2" ] || return 0
    run "$1" cat "$2"
}

started_at=$(now_rfc3339)
echo "postmortem-collect: collecting into $dir" >&2

# The clocks first, together, so postmortem can tie uptime stamps to the wall clock.
run date.txt date '+%Y-%m-%dT%H:%M:%S.%N%:z'
copy proc/uptime /proc/uptime
run uptime.txt uptime
run uname.txt uname -a
run hostname.txt hostname
copy etc/localtime /etc/localtime
copy etc/timezone /etc/timezone
have timedatectl && run timedatectl.txt timedatectl

# Kernel log.
run dmesg.txt dmesg
run dmesg-T.txt dmesg -T
if have journalctl; then
    run journal-kernel.txt journalctl -k --no-pager --since "$SINCE" -o short-iso-precise
    run journal-daemons.txt journalctl --no-pager --since "$SINCE" -o short-iso-precise \
        -u docker -u containerd -u kubelet -u crio -u podman
fi

# Memory state.
for f in buddyinfo pagetypeinfo meminfo slabinfo vmstat zoneinfo cgroups stat loadavg; do
    copy "proc/$f" "/proc/$f"
done
if [ -r /sys/kernel/debug/extfrag/extfrag_index ]; then
    copy sys/kernel/debug/extfrag/extfrag_index /sys/kernel/debug/extfrag/extfrag_index
    copy sys/kernel/debug/extfrag/unusable_index /sys/kernel/debug/extfrag/unusable_index
else
    unreadable="$unreadable
  /sys/kernel/debug/extfrag/extfrag_index: debugfs is not mounted or not readable (as root: mount -t debugfs none /sys/kernel/debug; this collector never mounts anything)"
fi
run free-m.txt free -m
run sysctl.txt sh -c "sysctl -a 2>/dev/null | grep -E '^(vm\\.|net\\.netfilter\\.nf_conntrack_|kernel\\.pid_max|kernel\\.threads-max)'"

# Task limits, pressure stall information, TCP's memory, and the memory and pids files of the
# cgroups that hold containers and services (kubepods, system.slice, docker, lxc), v2 and v1, at
# their own paths.
for f in pid_max threads-max; do
    copy "proc/sys/kernel/$f" "/proc/sys/kernel/$f"
done
for r in memory cpu io; do
    copy "proc/pressure/$r" "/proc/pressure/$r"
done
copy proc/net/sockstat /proc/net/sockstat
run sysctl-tcp.txt sh -c "sysctl net.ipv4.tcp_mem net.ipv4.tcp_max_orphans 2>/dev/null"
cgroup_dirs() {
    for root in /sys/fs/cgroup /sys/fs/cgroup/unified /sys/fs/cgroup/memory /sys/fs/cgroup/pids; do
        [ -d "$root" ] || continue
        printf '%s\n' "$root"
        find "$root" -mindepth 1 -maxdepth 5 -type d \( -path "$root/kubepods*" \
            -o -path "$root/system.slice" -o -path "$root/system.slice/*" \
            -o -path "$root/docker" -o -path "$root/docker/*" -o -path "$root/lxc.payload*" \
            -o -path "$root/machine.slice*" \) 2>/dev/null | sort
    done
}
cgroup_dirs | head -n "$MAX_CGROUP_DIRS" > "$work/cgroup-dirs"
while IFS= read -r d; do
    for f in memory.max memory.high memory.current memory.peak memory.events memory.stat \
        memory.pressure pids.max pids.current pids.events memory.limit_in_bytes \
        memory.usage_in_bytes memory.max_usage_in_bytes memory.failcnt memory.oom_control; do
        copy "${d#/}/$f" "$d/$f"
    done
done < "$work/cgroup-dirs"

# Runtimes: versions, events over the window, inspect of every container including created and
# exited ones (the container that failed to start is one of those).
mask_env() {
    if [ "$KEEP_ENV" -eq 1 ]; then
        cat
    else
        # Inside an "Env": [ ... ] array, keep each variable's name and mask its value.
        sed -e '/"Env": *\[/,/\]/ s/^\([[:space:]]*"[^"=]*=\)[^"]*\("[,]*\)[[:space:]]*$/\1***\2/'
    fi
}

for engine in docker podman; do
    have "$engine" || continue
    run "$engine/version.txt" "$engine" version
    if ! bounded "$engine" info > /dev/null 2>&1; then
        unreadable="$unreadable
  $engine: the daemon does not answer; events and inspect were not collected"
        continue
    fi
    run "$engine/info.txt" "$engine" info
    run "$engine/events.json" "$engine" events --since "$(date -d "$SINCE" +%s 2>/dev/null || echo 172800s)" \
        --until "$(date +%s)" --format '{{json .}}'
    ids=$(bounded "$engine" ps -aq 2>/dev/null | tr '\n' ' ')
    if [ -n "$ids" ]; then
        # shellcheck disable=SC2086 # ids are whitespace-separated container ids
        run "$engine/inspect.raw" "$engine" inspect $ids
        if [ -f "$dir/$engine/inspect.raw" ]; then
            mask_env < "$dir/$engine/inspect.raw" > "$dir/$engine/inspect.json"
            rm -f "$dir/$engine/inspect.raw"
            sed -e "s|\"output\": \"$engine/inspect.raw\"|\"output\": \"$engine/inspect.json\"|" "$records" > "$records.new" && mv "$records.new" "$records"
        fi
    fi
done
if have crictl; then
    run cri/version.txt crictl version
    run cri/ps.txt crictl ps -a
fi
have runc && run runc-version.txt runc --version
have containerd && run containerd-version.txt containerd --version

finished_at=$(now_rfc3339)
{
    printf '{\n  "collector": "postmortem-collect",\n  "version": "%s",\n' "$VERSION"
    printf '  "hostname": "%s",\n' "$(json_string "$host")"
    printf '  "started_at": "%s",\n  "finished_at": "%s",\n' "$started_at" "$finished_at"
    printf '  "since": "%s",\n' "$(json_string "$SINCE")"
    printf '  "user": "%s",\n' "$(json_string "$(id -un 2>/dev/null || echo unknown)")"
    printf '  "commands": [\n'
    sed -e '$!s/$/,/' -e 's/^/    /' "$records"
    printf '  ]\n}\n'
} > "$dir/manifest.json"

archive="$OUTDIR/$name.tar.gz"
if ! tar -czf "$archive" -C "$work" "$name"; then
    echo "postmortem-collect: could not write $archive" >&2
    exit 1
fi
if [ -n "$unreadable" ]; then
    echo "postmortem-collect: could not read:$unreadable" >&2
fi
echo "$archive"
