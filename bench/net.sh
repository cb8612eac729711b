#!/usr/bin/env bash
# Measures TCP throughput and connect latency (connect plus a one-byte
# round trip) over hull's networks, next to the same over a plain veth pair
# between two network namespaces made by hand, over the host's loopback,
# and over Docker's networks on the same machine; prints medians and
# ratios. The paths:
#
#   loopback     host → host on 127.0.0.1 (the floor of any path)
#   veth         netns → netns over a bare veth pair
#   bridge       netns → netns through a bridge made by hand (what hull's adds to)
#   hull c-c     container → container on a hull user network, by name
#   hull pub     host → 127.0.0.1:PORT published by a hull container (-p)
#   docker c-c   container → container on a docker user network
#   docker pub   host → 127.0.0.1:PORT published by a docker container
#
# The client and server are bench/netclient, built static and bind-mounted
# into busybox containers, so every path runs the same program. dockerd is
# a separate one with its own root and socket, started with
# --iptables=false as the machine's other benchmarks use it: its published
# ports go through docker-proxy, Docker's default for connections from the
# host's loopback in any case. Clients dial addresses, not names. Also
# `run --rm` with and without a network, for what attaching and detaching
# costs (before dockerd starts, which would load the machine).
#
# usage: bench/net.sh [BIN_DIR]   (default: bin; holds hull, hull-monitor, hull-init)
#   RUNS=N     repetitions of each measurement (default 3; the median is kept)
#   SECONDS_=S seconds per throughput run (default 3)
#   CONNECTS=N connects per latency run (default 1000)
# Needs root, CNI's plugins, iproute2, busybox-static, hyperfine and, for the
# Docker rows, docker.io (apt-get install containernetworking-plugins
# iproute2 busybox-static hyperfine docker.io).
set -euo pipefail

BIN=$(realpath "${1:-bin}")
RUNS=${RUNS:-3}
SECS=${SECONDS_:-3}
CONNECTS=${CONNECTS:-1000}
here=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "net.sh: needs root" >&2; exit 2; }
for tool in ip hyperfine "$BIN/hull" "$BIN/hull-monitor" "$BIN/hull-init" /usr/lib/cni/bridge; do
	command -v "$tool" >/dev/null || { echo "net.sh: $tool missing" >&2; exit 2; }
done
have_docker=1
command -v dockerd >/dev/null && command -v docker >/dev/null || have_docker=0

work=$(mktemp -d /tmp/hull-nbench.XXXXXX)
nsa=hullbench-a-$$ nsb=hullbench-b-$$ nsc=hullbench-c-$$ nsd=hullbench-d-$$
H=("$BIN/hull" --root "$work/hull")
D=(docker -H "unix://$work/docker.sock")
dockerd_pid= loop_pid=
cleanup() {
	"${H[@]}" ps -aq 2>/dev/null | xargs -r "${H[@]}" rm -f >/dev/null 2>&1 || true
	"${H[@]}" network rm benchnet >/dev/null 2>&1 || true
	if [[ -n $dockerd_pid ]]; then
		"${D[@]}" rm -f $("${D[@]}" ps -aq) >/dev/null 2>&1 || true
		"${D[@]}" network rm benchnet >/dev/null 2>&1 || true
		kill "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null || true
	fi
	[[ -n $loop_pid ]] && kill "$loop_pid" 2>/dev/null
	for ns in "$nsa" "$nsb" "$nsc" "$nsd"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	ip link del "hb$$br" 2>/dev/null || true
	grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

(cd "$here" && PATH=$PATH:/usr/local/go/bin CGO_ENABLED=0 go build -o "$work/nc" ./bench/netclient)
NC=$work/nc
"$here/scripts/busybox-image.sh" "$work/busybox.tar" >/dev/null
"${H[@]}" import "$work/busybox.tar" bench/busybox >/dev/null

# freeport prints a TCP port nothing listens on now.
freeport() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# sample NAME ADDR CMD...: one `CMD tput ADDR` and one `CMD connect ADDR`
# (CMD ends where the mode goes), appended to NAME's samples. The paths
# are sampled in turn, RUNS rounds, so that the machine's moods spread over
# all of them; the medians are kept.
declare -A tputs conns cmds addrs
paths=()
path() { local name=$1 addr=$2; shift 2; paths+=("$name"); addrs[$name]=$addr; cmds[$name]="$*"; }
sample() {
	local name=$1 cmd
	read -ra cmd <<<"${cmds[$name]}"
	tputs[$name]+=" $("${cmd[@]}" tput "${addrs[$name]}" "$SECS" | awk '/gbps/{print $2}')"
	conns[$name]+=" $("${cmd[@]}" connect "${addrs[$name]}" "$CONNECTS" | awk '/connect_us/{print $2}')"
}
med() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

# loopback
port=$(freeport)
"$NC" serve "127.0.0.1:$port" & loop_pid=$!
sleep 0.2
path loopback "127.0.0.1:$port" "$NC"

# veth: two namespaces and a bare veth pair between them.
ip netns add "$nsa"; ip netns add "$nsb"
ip link add "hb$$a" type veth peer name "hb$$b"
ip link set "hb$$a" netns "$nsa"; ip link set "hb$$b" netns "$nsb"
ip -n "$nsa" addr add 10.231.99.1/24 dev "hb$$a"; ip -n "$nsb" addr add 10.231.99.2/24 dev "hb$$b"
for ns in "$nsa" "$nsb"; do ip -n "$ns" link set lo up; done
ip -n "$nsa" link set "hb$$a" up; ip -n "$nsb" link set "hb$$b" up
ip netns exec "$nsb" "$NC" serve 10.231.99.2:5201 &
sleep 0.3
path veth 10.231.99.2:5201 ip netns exec "$nsa" "$NC"

# bridge: two more namespaces on a bridge made by hand, what any bridge
# costs on this host (br_netfilter, if loaded, applies to it too).
ip netns add "$nsc"; ip netns add "$nsd"
ip link add "hb$$br" type bridge; ip link set "hb$$br" up
for x in c d; do
	ns=$nsc; [[ $x == d ]] && ns=$nsd
	ip link add "hb$$$x" type veth peer name "hb$$${x}h"
	ip link set "hb$$$x" netns "$ns"; ip link set "hb$$${x}h" master "hb$$br" up
	ip -n "$ns" link set lo up; ip -n "$ns" link set "hb$$$x" up
done
ip -n "$nsc" addr add 10.231.96.1/24 dev "hb$$c"; ip -n "$nsd" addr add 10.231.96.2/24 dev "hb$$d"
ip netns exec "$nsd" "$NC" serve 10.231.96.2:5201 &
sleep 0.3
path bridge 10.231.96.2:5201 ip netns exec "$nsc" "$NC"

# hull: a user network, a server container publishing its port.
"${H[@]}" network create --subnet 10.231.98.0/24 benchnet >/dev/null
hport=$(freeport)
"${H[@]}" run -d --name nbsrv --network benchnet -p "127.0.0.1:$hport:5201" -v "$NC:/nc:ro" \
	bench/busybox /nc serve 0.0.0.0:5201 >/dev/null
sleep 0.3
# By address: Docker's containers would resolve the name through its DNS
# server on every connect, hull's through /etc/hosts.
hip=$("${H[@]}" inspect -f '{{.NetworkSettings.Networks.benchnet.IPAddress}}' nbsrv)
path "hull c-c" "$hip:5201" "${H[@]}" run --rm --network benchnet -v "$NC:/nc:ro" bench/busybox /nc
path "hull pub" "127.0.0.1:$hport" "$NC"

# What a network costs `run --rm`: attach and detach (veth, address, netns).
hyperfine -N --warmup 3 --runs 20 --export-json "$work/run.json" \
	-n none "${H[*]} run --rm --network none bench/busybox true" \
	-n benchnet "${H[*]} run --rm --network benchnet bench/busybox true" >/dev/null
median() { python3 -c "import json,sys;d=json.load(open('$work/run.json'));print([r['median'] for r in d['results'] if r['command']==sys.argv[1]][0]*1000)" "$1"; }

# docker: the same, on a dockerd of its own.
if [[ $have_docker == 1 ]]; then
	dockerd --data-root "$work/docker" --exec-root "$work/docker-exec" --pidfile "$work/docker.pid" \
		-H "unix://$work/docker.sock" --iptables=false --bridge=none >"$work/dockerd.log" 2>&1 &
	dockerd_pid=$!
	for _ in $(seq 100); do "${D[@]}" info >/dev/null 2>&1 && break; sleep 0.2; done
	"${D[@]}" import "$work/busybox.tar" bench/busybox >/dev/null
	"${D[@]}" network create --subnet 10.231.97.0/24 benchnet >/dev/null
	dport=$(freeport)
	"${D[@]}" run -d --name nbsrv --network benchnet -p "127.0.0.1:$dport:5201" -v "$NC:/nc:ro" \
		bench/busybox /nc serve 0.0.0.0:5201 >/dev/null
	sleep 0.5
	dip=$("${D[@]}" inspect -f '{{.NetworkSettings.Networks.benchnet.IPAddress}}' nbsrv)
	path "docker c-c" "$dip:5201" "${D[@]}" run --rm --network benchnet -v "$NC:/nc:ro" bench/busybox /nc
	path "docker pub" "127.0.0.1:$dport" "$NC"
fi

for _ in $(seq "$RUNS"); do
	for name in "${paths[@]}"; do sample "$name"; done
done
declare -A gbps conn
for name in "${paths[@]}"; do
	gbps[$name]=$(med "${tputs[$name]}")
	conn[$name]=$(med "${conns[$name]}")
done

echo "# bench/net.sh: medians of $RUNS runs, ${SECS}s throughput, $CONNECTS connects ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r))"
printf '%-12s %10s %12s %10s %10s %12s %12s\n' path Gbit/s "connect µs" "tput/veth" "conn/veth" "tput/docker" "conn/docker"
ratio() { python3 -c "import sys;a,b=sys.argv[1:];print(f'{float(a)/float(b):.2f}' if a and b else '-')" "${1:-}" "${2:-}"; }
for name in loopback veth bridge "hull c-c" "hull pub" "docker c-c" "docker pub"; do
	[[ -n ${gbps[$name]:-} ]] || continue
	peer=
	case $name in "hull c-c") peer="docker c-c" ;; "hull pub") peer="docker pub" ;; esac
	printf '%-12s %10s %12s %10s %10s %12s %12s\n' "$name" "${gbps[$name]}" "${conn[$name]}" \
		"$(ratio "${gbps[$name]}" "${gbps[veth]}")" "$(ratio "${conn[$name]}" "${conn[veth]}")" \
		"$([[ -n $peer ]] && ratio "${gbps[$name]}" "${gbps[$peer]:-}" || echo -)" \
		"$([[ -n $peer ]] && ratio "${conn[$name]}" "${conn[$peer]:-}" || echo -)"
done
none=$(median none) net=$(median benchnet)
printf 'run --rm busybox true: --network none %.1f ms, on a user network %.1f ms (attach+detach %.1f ms)\n' \
	"$none" "$net" "$(python3 -c "print($net-$none)")"
