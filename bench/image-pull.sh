#!/usr/bin/env bash
# Pulls one seeded, seven-layer image (~208 MiB of tar, ~113 MiB of gzip)
# from a local docker-registry and unpacks it, with hull, with skopeo +
# umoci and with containerd, in the same run, each run on fresh stores,
# and prints medians and ratios peer/hull (above 1: hull is faster).
#
# Three measures, each tool's pull and unpack timed as separate steps of
# one cold run, with `sync` (untimed) before each step:
#   pull         registry -> local blob store: `hull pull`, `skopeo copy`
#                to an OCI layout, `ctr content fetch`
#   unpack       local blobs -> unpacked layers: bench/image/unpack (hull's
#                images.Unpack; `hull pull` only fetches), `umoci raw
#                unpack`, `ctr image pull` with every blob already fetched
#   pull+unpack  hull and umoci: the sum of their two steps; containerd: a
#                separate cold `ctr image pull`, which overlaps the two
#
# usage: bench/image-pull.sh [HULL_BINARY]   (default: built from ./cmd/hull)
#   RUNS=N       cold runs per tool (default 5)
#   SEED=N       seed of the image's bytes (default 1)
#   BENCH_DIR=D  where the stores go (default /tmp); each run takes about
#                1.5 GB there, all kept until the end (see the ext4 note below)
#   SETTLE=0     skip the wait for recently deleted inodes to age out
# Needs root, go (to build hull and the helpers in bench/image), python3, curl,
# docker-registry, skopeo, umoci and containerd; installs the last four
# with apt-get when missing. containerd is skipped if it cannot start.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/local/go/bin

RUNS=${RUNS:-5}
SEED=${SEED:-1}
[[ $(id -u) -eq 0 ]] || { echo "image-pull.sh: needs root" >&2; exit 2; }
for tool in go python3 curl; do
	command -v "$tool" >/dev/null || { echo "image-pull.sh: $tool missing" >&2; exit 2; }
done
declare -A PKG=([docker-registry]=docker-registry [skopeo]=skopeo [umoci]=umoci [containerd]=containerd [ctr]=containerd)
missing=()
for tool in "${!PKG[@]}"; do
	command -v "$tool" >/dev/null || missing+=("${PKG[$tool]}")
done
if ((${#missing[@]})); then
	echo "image-pull.sh: installing ${missing[*]}" >&2
	apt-get install -y -qq $(printf '%s\n' "${missing[@]}" | sort -u) >/dev/null
fi

work=$(mktemp -d "${BENCH_DIR:-/tmp}/hull-image-bench.XXXXXX")
registry_pid='' ctd_pid='' ctd_dir='' child=''

# unmount_under unmounts everything mounted at or below $1, deepest first.
unmount_under() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount "$m" || umount -l "$m"; done
}
cleanup() {
	set +e
	for pid in $child $ctd_pid $registry_pid; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	unmount_under "$work"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# child runs a long command in the background and waits for it: bash runs
# a trap only once its foreground command ends, but interrupts `wait`.
child() {
	"$@" &
	child=$!
	wait "$child"
	local rc=$?
	child=''
	return "$rc"
}

# fail says which step failed and shows the end of its log.
fail() {
	echo "image-pull.sh: $1; last lines of its log:" >&2
	tail -n 20 "$work/log" >&2
	exit 1
}

mkdir -p "$work/bin"
HULL=${1:-}
if [[ -z $HULL ]]; then
	go build -o "$work/bin/hull" ./cmd/hull
	HULL=$work/bin/hull
fi
HULL=$(realpath "$HULL")
go build -o "$work/bin/mklayout" ./bench/image/mklayout
go build -o "$work/bin/unpack" ./bench/image/unpack

# The image: an OCI layout written from the seed, pushed by skopeo.
image_info=$("$work/bin/mklayout" -seed "$SEED" "$work/layout")

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
addr=127.0.0.1:$port
ref=$addr/bench:latest
mkdir -p "$work/registry"
cat >"$work/registry/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $work/registry/storage
http:
  addr: $addr
EOF
docker-registry serve "$work/registry/config.yml" >"$work/registry/log" 2>&1 &
registry_pid=$!
for _ in {1..100}; do
	curl -sf "http://$addr/v2/" >/dev/null && break
	sleep 0.1
done
curl -sf "http://$addr/v2/" >/dev/null || { echo "image-pull.sh: docker-registry did not start" >&2; exit 1; }
skopeo --insecure-policy copy -q --dest-tls-verify=false "oci:$work/layout:latest" "docker://$ref" >"$work/log" 2>&1 ||
	fail "pushing the image"

# ctd_start runs a private containerd with its root, state and sockets in
# $1 (no CRI plugin) for "${ctrcmd[@]}" to talk to; ctd_stop stops it and
# unmounts what it left.
ctd_start() {
	ctd_dir=$1
	mkdir -p "$ctd_dir"
	cat >"$ctd_dir/config.toml" <<EOF
version = 2
root = "$ctd_dir/root"
state = "$ctd_dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$ctd_dir/sock"
[ttrpc]
  address = "$ctd_dir/sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$ctd_dir/opt"
EOF
	containerd --config "$ctd_dir/config.toml" >"$ctd_dir/log" 2>&1 &
	ctd_pid=$!
	ctrcmd=(ctr -a "$ctd_dir/sock" -n bench)
	for _ in {1..100}; do
		"${ctrcmd[@]}" version >/dev/null 2>&1 && return 0
		kill -0 "$ctd_pid" 2>/dev/null || break
		sleep 0.1
	done
	ctd_stop
	return 1
}
ctd_stop() {
	kill "$ctd_pid" 2>/dev/null || true
	wait "$ctd_pid" 2>/dev/null || true
	ctd_pid=''
	unmount_under "$ctd_dir"
}

have_ctd=1
if ctd_start "$work/ctd-probe"; then ctd_stop; else
	have_ctd=0
	echo "image-pull.sh: containerd does not start here, skipping it:" >&2
	tail -n 5 "$work/ctd-probe/log" >&2
fi

# timed TOOL STEP CMD...: runs CMD after a sync and appends its wall time.
timed() {
	local tool=$1 step=$2 t0 t1
	shift 2
	sync
	t0=$EPOCHREALTIME
	child "$@" >>"$work/log" 2>&1 || fail "$tool $step (run $run)"
	t1=$EPOCHREALTIME
	echo "$tool $step $run $((${t1/./} - ${t0/./}))" >>"$work/times"
}

run_hull() {
	local root=$work/runs/$run/hull
	timed hull pull "$HULL" --root "$root" --insecure-registry "$addr" pull -q "$ref"
	timed hull unpack "$work/bin/unpack" "$root" "$ref"
}
run_umoci() {
	local dir=$work/runs/$run/umoci
	mkdir -p "$dir"
	timed umoci pull skopeo --insecure-policy copy -q --src-tls-verify=false "docker://$ref" "oci:$dir/layout:latest"
	timed umoci unpack umoci raw unpack --image "$dir/layout:latest" "$dir/rootfs"
}
run_containerd() {
	ctd_start "$work/runs/$run/ctd" || fail "starting containerd"
	timed containerd pull "${ctrcmd[@]}" content fetch --plain-http "$ref"
	timed containerd unpack "${ctrcmd[@]}" image pull --plain-http "$ref"
	ctd_stop
	ctd_start "$work/runs/$run/ctd-e2e" || fail "starting containerd"
	timed containerd pull+unpack "${ctrcmd[@]}" image pull --plain-http "$ref"
	ctd_stop
}

# On ext4 without a journal (this project's VMs), the inode allocator skips
# inodes deleted in the last 60 s (360 s while their table block is dirty),
# reading each one's dtime: a store created just after a large delete (say,
# the previous run's cleanup) is several times slower to unpack, whichever
# tool makes it. So nothing is deleted until the end, and the run first
# waits for earlier deletes to age out.
dev=$(basename "$(df --output=source "$work" | tail -n1)")
if [[ ${SETTLE:-1} != 0 && $(cat "/sys/fs/ext4/$dev/journal_task" 2>/dev/null) == "<none>" ]]; then
	echo "image-pull.sh: $work is on ext4 without a journal; waiting 60 s for deleted inodes to age out" >&2
	sync
	child sleep 60
fi

tools=(hull umoci)
((have_ctd)) && tools+=(containerd)
: >"$work/times"
for ((run = 1; run <= RUNS; run++)); do
	# Rotate the order, so no tool always runs first or last.
	for ((i = 0; i < ${#tools[@]}; i++)); do
		"run_${tools[(i + run) % ${#tools[@]}]}"
	done
done

unpigz=no
command -v unpigz >/dev/null && unpigz=yes
echo "# bench/image-pull.sh: cold pull and unpack of one image, median of $RUNS runs ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), $(df --output=fstype "$work" | tail -n1))"
echo "# image: $image_info"
echo "# peers: $(skopeo --version), $(umoci --version), containerd $(containerd --version | awk '{print $3}') (unpigz on PATH: $unpigz)"
python3 - "$work/times" "$have_ctd" <<'EOF'
import statistics, sys
from collections import defaultdict

times = defaultdict(lambda: defaultdict(dict))  # tool -> step -> run -> ms
for line in open(sys.argv[1]):
    tool, step, run, us = line.split()
    times[tool][step][int(run)] = int(us) / 1000
for tool in ("hull", "umoci"):  # two processes one after the other
    t = times[tool]
    t["pull+unpack"] = {r: t["pull"][r] + t["unpack"][r] for r in t["pull"]}
peers = ["umoci"] + (["containerd"] if sys.argv[2] == "1" else [])
names = {"hull": "hull", "umoci": "skopeo+umoci", "containerd": "containerd"}
cols = ["hull"] + peers
med = lambda tool, step: statistics.median(times[tool][step].values())
print(f"{'measure':<13}" + "".join(f"{names[c] + ' (ms)':>20}" for c in cols)
      + "".join(f"{names[p] + '/hull':>20}" for p in peers))
for step in ("pull", "unpack", "pull+unpack"):
    h = med("hull", step)
    print(f"{step:<13}" + "".join(f"{med(c, step):>20.0f}" for c in cols)
          + "".join(f"{med(p, step) / h:>20.2f}" for p in peers))
print("\nspread (min-max, ms)")
for step in ("pull", "unpack", "pull+unpack"):
    spread = lambda c: f"{min(times[c][step].values()):.0f}-{max(times[c][step].values()):.0f}"
    print(f"{step:<13}" + "".join(f"{spread(c):>20}" for c in cols))
EOF
