#!/usr/bin/env bash
# Times `run --rm <busybox image> true` with hull, podman and docker in the
# same run and prints medians and ratios, in hyperfine blocks and then in
# turns (one run of each per round, as bench/oci-run.sh); then the idle memory of what
# watches one detached container (hull-monitor, podman's conmon, docker's
# containerd-shim), and 100 parallel `hull run -d`. Every engine runs with
# --network none: dockerd here has no bridge (--bridge=none), and network
# setup is bench/net.sh's to measure. Every engine keeps its state under
# one directory, and its runtime state (what a reboot is to clear: hull's
# --exec-root, podman's --runroot, docker's --exec-root) on one tmpfs, as
# it would in /run on a host booted with systemd.
#
# usage: bench/engine-run.sh [BIN_DIR]   (default: bin; holds hull, hull-monitor, hull-init)
#   RUNS=N  runs per engine (default 50)
# Needs root, hyperfine, busybox-static, podman and docker.io
# (apt-get install hyperfine busybox-static podman docker.io).
set -euo pipefail

BIN=$(realpath "${1:-bin}")
RUNS=${RUNS:-50}
here=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "engine-run.sh: needs root" >&2; exit 2; }
for tool in hyperfine podman dockerd docker "$BIN/hull" "$BIN/hull-monitor" "$BIN/hull-init"; do
	command -v "$tool" >/dev/null || { echo "engine-run.sh: $tool missing" >&2; exit 2; }
done

# crun (podman's runtime) refuses a hybrid cgroup layout while cgroup2 holds hugetlb.
if [[ -d /sys/fs/cgroup/unified ]] && ! mountpoint -q /sys/fs/cgroup/hugetlb && grep -qw hugetlb /proc/cgroups; then
	mkdir -p /sys/fs/cgroup/hugetlb
	mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
fi

work=$(mktemp -d /tmp/hull-ebench.XXXXXX)
dockerd_pid=
cleanup() {
	"$BIN/hull" --root "$work/hull" --exec-root "$work/run/hull" ps -aq 2>/dev/null | xargs -r "$BIN/hull" --root "$work/hull" --exec-root "$work/run/hull" rm -f >/dev/null 2>&1 || true
	podman --root "$work/podman" --runroot "$work/run/podman" rm -af >/dev/null 2>&1 || true
	podman --root "$work/podman" --runroot "$work/run/podman" system reset -f >/dev/null 2>&1 || true
	if [[ -n $dockerd_pid ]]; then
		docker -H "unix://$work/docker.sock" rm -f $(docker -H "unix://$work/docker.sock" ps -aq) >/dev/null 2>&1 || true
		kill "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null || true
	fi
	grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$here/scripts/busybox-image.sh" "$work/busybox.tar"
mkdir -p "$work/run"
mount -t tmpfs -o mode=0700 bench-run "$work/run"
H=("$BIN/hull" --root "$work/hull" --exec-root "$work/run/hull")
"${H[@]}" import "$work/busybox.tar" bench/busybox >/dev/null
# podman here needs explicit limits: the machine lacks CAP_SYS_RESOURCE.
P=(podman --root "$work/podman" --runroot "$work/run/podman" --cgroup-manager cgroupfs --events-backend none)
PRUN=(--ulimit nofile=20000:20000 --ulimit nproc=1000:1000 --network none)
"${P[@]}" import "$work/busybox.tar" bench/busybox >/dev/null
dockerd --data-root "$work/docker" --exec-root "$work/run/docker" --pidfile "$work/docker.pid" \
	-H "unix://$work/docker.sock" --iptables=false --bridge=none >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
D=(docker -H "unix://$work/docker.sock")
for _ in $(seq 100); do "${D[@]}" info >/dev/null 2>&1 && break; sleep 0.2; done
"${D[@]}" import "$work/busybox.tar" bench/busybox >/dev/null

# One hyperfine block per engine, docker's first: a dockerd and containerd
# keep working for seconds after their runs (garbage collection of what a
# removal left), and a block timed right after docker's would be timed
# beside that. Each block begins after a few seconds of quiet.
block() { # NAME COMMAND...
	local name=$1
	shift
	sleep 5
	hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$work/run-$name.json" -n "$name" "$*" >/dev/null
}
block docker "${D[*]} run --rm --network none bench/busybox true"
block podman "${P[*]} run --rm ${PRUN[*]} bench/busybox true"
block hull "${H[*]} run --rm --network none bench/busybox true"
median() { python3 -c "import json,sys;print(json.load(open('$work/run-'+sys.argv[1]+'.json'))['results'][0]['median']*1000)" "$1"; }
# The same runs in turns (see bench/lib/interleave.py), before anything else
# runs beside them: fairer on a machine whose speed drifts. Each run starts
# 0.1 s after the previous one ended, so that what an engine still does
# in the background then (dockerd's and containerd's cleanup, conmon's
# podman cleanup process, hull's monitor emptying its trash) is not timed
# as part of another engine's run.
PAUSE=0.1 python3 "$(dirname "$0")/lib/interleave.py" "$RUNS" \
	"hull=${H[*]} run --rm --network none bench/busybox true" \
	"podman=${P[*]} run --rm ${PRUN[*]} bench/busybox true" \
	"docker=${D[*]} run --rm --network none bench/busybox true" >"$work/turns"

rss() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }
"${H[@]}" run -d --network none --name idle bench/busybox sleep 600 >/dev/null
"${P[@]}" run -d ${PRUN[*]} bench/busybox sleep 600 >/dev/null
"${D[@]}" run -d --network none bench/busybox sleep 600 >/dev/null
sleep 2
hull_rss=$(rss "$(python3 -c "import json;print(json.load(open('$work/hull/containers/'+'$("${H[@]}" inspect -f '{{.Id}}' idle)'+'/state.json'))['monitorPid'])")")
conmon_rss=$(rss "$(pgrep -n conmon)")
shim_rss=$(rss "$(pgrep -n -f containerd-shim)")

start=$(date +%s.%N)
fails=$(seq 100 | xargs -P 100 -I{} sh -c "'$BIN/hull' --root '$work/hull' --exec-root '$work/run/hull' run -d --network none bench/busybox sleep 60 >/dev/null 2>>'$work/par.err' || echo x" | wc -l)
par_s=$(python3 -c "print(f'{$(date +%s.%N)-$start:.2f}')")

hull_ms=$(median hull)
echo "# bench/engine-run.sh: run --rm of busybox true, median of $RUNS runs ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))"
printf '%-8s %12s %12s\n' engine "median (ms)" "hull/peer"
for name in hull podman docker; do
	ms=$(median "$name")
	printf '%-8s %12.2f %12s\n' "$name" "$ms" "$(python3 -c "print(f'{$hull_ms/$ms:.2f}')")"
done
echo "# in turns: $RUNS rounds of one run each, order reversed every other round, 0.1 s apart"
printf '%-8s %12s %12s %16s\n' engine "median (ms)" "hull/peer" "p25-p75 (ms)"
hull_turns=$(awk '$1=="hull"{print $2}' "$work/turns")
while read -r name med p25 p75; do
	printf '%-8s %12.2f %12s %16s\n' "$name" "$med" "$(python3 -c "print(f'{$hull_turns/$med:.2f}')")" "$p25-$p75"
done <"$work/turns"
echo
printf 'idle memory (VmRSS, KiB) of the process watching one container: hull-monitor %s, conmon %s, containerd-shim %s\n' \
	"$hull_rss" "$conmon_rss" "$shim_rss"
printf '100 parallel hull run -d: %s failed, %s s\n' "$fails" "$par_s"
