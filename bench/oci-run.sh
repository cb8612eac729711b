#!/usr/bin/env bash
# Times `RUNTIME run` of busybox `true` from one bundle for hull-oci, runc
# and crun in the same run, and prints medians and ratios to hull-oci.
# Also reports each runtime's peak memory (max RSS) during `create`.
#
# usage: bench/oci-run.sh [HULL_OCI_BINARY]   (default: bin/hull-oci)
#   RUNS=N  runs per runtime (default 200)
# Needs root, hyperfine, busybox-static, runc, crun and GNU time
# (apt-get install hyperfine busybox-static runc crun time).
set -euo pipefail

HULL=$(realpath "${1:-bin/hull-oci}")
RUNS=${RUNS:-200}
[[ $(id -u) -eq 0 ]] || { echo "oci-run.sh: needs root" >&2; exit 2; }
for tool in hyperfine runc crun /usr/bin/time; do
	command -v "$tool" >/dev/null || { echo "oci-run.sh: $tool missing" >&2; exit 2; }
done

# crun 1.8 refuses a hybrid cgroup layout while cgroup2 holds hugetlb.
if [[ -d /sys/fs/cgroup/unified ]] && ! mountpoint -q /sys/fs/cgroup/hugetlb && grep -qw hugetlb /proc/cgroups; then
	mkdir -p /sys/fs/cgroup/hugetlb
	mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb || true
fi

work=$(mktemp -d /tmp/hull-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bundle=$work/bundle
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/proc" "$bundle/rootfs/dev" "$bundle/rootfs/sys"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/true"
ln -s busybox "$bundle/rootfs/bin/sh"
# The same config for every runtime: runc's example, no terminal, `true`.
(cd "$bundle" && runc spec)
sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"true"/' "$bundle/config.json"
grep -q '"true"' "$bundle/config.json" || { echo "oci-run.sh: could not edit config.json" >&2; exit 1; }

declare -A RT=([hull-oci]=$HULL [runc]=$(command -v runc) [crun]=$(command -v crun))
order=(hull-oci crun runc)

cmds=()
for name in "${order[@]}"; do
	cmds+=(-n "$name" "${RT[$name]} --root $work/state-$name run --bundle $bundle bench-$name")
done
hyperfine -N --warmup 10 --runs "$RUNS" --export-json "$work/run.json" "${cmds[@]}" >/dev/null

median() { python3 -c "import json,sys;d=json.load(open('$work/run.json'));print([r['median'] for r in d['results'] if r['command']==sys.argv[1]][0]*1000)" "$1"; }

peak_create() { # max RSS in KiB of `RUNTIME create`, median of 5
	local name=$1 bin=$2 i vals=()
	for i in 1 2 3 4 5; do
		# -o, not a pipe: the created init inherits stdio and holds it open.
		/usr/bin/time -o "$work/rss" -f %M "$bin" --root "$work/state-$name" create --bundle "$bundle" mem-$i >/dev/null 2>&1
		vals+=("$(tail -n1 "$work/rss")")
		"$bin" --root "$work/state-$name" delete --force mem-$i >/dev/null 2>&1 || true
	done
	printf '%s\n' "${vals[@]}" | sort -n | sed -n 3p
}

hull_ms=$(median hull-oci)
echo "# bench/oci-run.sh: run of busybox true, median of $RUNS runs ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))"
printf '%-10s %12s %14s %22s\n' runtime "median (ms)" "hull-oci/peer" "create peak RSS (KiB)"
for name in "${order[@]}"; do
	ms=$(median "$name")
	ratio=$(python3 -c "print(f'{$hull_ms/$ms:.2f}')")
	printf '%-10s %12.2f %14s %22s\n' "$name" "$ms" "$ratio" "$(peak_create "$name" "${RT[$name]}")"
done

# The same runs in turns (one of each per round), which a drifting machine
# slows alike: the fairer comparison here, and the one that can differ most
# from the table above (docs/benchmarks.md).
args=()
for name in "${order[@]}"; do
	args+=("$name=${RT[$name]} --root $work/turns-$name run --bundle $bundle turns-$name")
done
echo
echo "# in turns: $RUNS rounds of one run each, order reversed every other round"
printf '%-10s %12s %14s %16s\n' runtime "median (ms)" "hull-oci/peer" "p25-p75 (ms)"
python3 "$(dirname "$0")/lib/interleave.py" "$RUNS" "${args[@]}" >"$work/turns"
hull_turns=$(awk '$1=="hull-oci"{print $2}' "$work/turns")
while read -r name med p25 p75; do
	printf '%-10s %12.2f %14s %16s\n' "$name" "$med" "$(python3 -c "print(f'{$hull_turns/$med:.2f}')")" "$p25-$p75"
done <"$work/turns"
