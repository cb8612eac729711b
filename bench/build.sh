#!/usr/bin/env bash
# Builds the same 10-step multi-stage Dockerfile (two stages, three RUN and
# three COPY steps on the local busybox image) with `hull build` and with
# `buildah bud --layers` in one run: cold (--no-cache) and fully cached,
# and prints medians and ratios. buildah runs its steps with runc
# (--isolation oci), as hull runs them in namespaced containers; both with
# no network.
#
# usage: bench/build.sh [BIN_DIR]   (default: bin; holds hull, hull-monitor, hull-init)
#   RUNS=N  runs per case (default 10)
# Needs root, hyperfine, busybox-static and buildah
# (apt-get install hyperfine busybox-static buildah).
set -euo pipefail

BIN=$(realpath "${1:-bin}")
RUNS=${RUNS:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "build.sh: needs root" >&2; exit 2; }
for tool in hyperfine buildah python3 "$BIN/hull" "$BIN/hull-monitor"; do
	command -v "$tool" >/dev/null || { echo "build.sh: $tool missing" >&2; exit 2; }
done

work=$(mktemp -d /tmp/hull-bbench.XXXXXX)
H=("$BIN/hull" --root "$work/hull")
# buildah needs explicit limits here: the machine lacks CAP_SYS_RESOURCE.
B=(buildah --root "$work/buildah" --runroot "$work/buildah-run" --storage-driver overlay)
BUD=(bud --layers --pull-never --isolation oci --network none --ulimit nofile=20000:20000 --ulimit nproc=1000:1000 -q)
cleanup() {
	"${B[@]}" rm -a >/dev/null 2>&1 || true
	"${B[@]}" rmi -af >/dev/null 2>&1 || true
	grep -o " $work[^ ]*" /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$here/scripts/busybox-image.sh" "$work/busybox.tar" >/dev/null
"${H[@]}" import "$work/busybox.tar" docker.io/bench/busybox:latest >/dev/null
"${H[@]}" save -o "$work/busybox-image.tar" docker.io/bench/busybox:latest
"${B[@]}" pull -q docker-archive:"$work/busybox-image.tar" >/dev/null
# docker-archive names it localhost/bench/busybox; the Dockerfile says docker.io.
"${B[@]}" tag localhost/bench/busybox:latest docker.io/bench/busybox:latest

ctx=$work/context
mkdir -p "$ctx/app"
for i in $(seq 50); do echo "line $i" >"$ctx/app/f$i.txt"; done
echo "mode=prod" >"$ctx/config.txt"
cat >"$ctx/Dockerfile" <<'EOF'
FROM docker.io/bench/busybox:latest AS build
WORKDIR /src
COPY app/ ./
RUN mkdir -p /out && cat *.txt > /out/all && wc -l /out/all
RUN sha1sum /out/all > /out/sum
FROM docker.io/bench/busybox:latest
COPY --from=build /out /out
COPY config.txt /etc/app.conf
RUN cat /out/sum /etc/app.conf
ENV MODE=prod
CMD ["cat", "/out/sum"]
EOF

# One build each first, so that "cached" finds its cache and neither tool
# pays a first-use cost inside the timings.
"${H[@]}" build -q -t bench/app "$ctx" >/dev/null
"${B[@]}" "${BUD[@]}" -t bench/app "$ctx" >/dev/null

hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$work/build.json" \
	-n hull-cold "${H[*]} build -q --no-cache -t bench/app $ctx" \
	-n buildah-cold "${B[*]} ${BUD[*]} --no-cache -t bench/app $ctx" \
	-n hull-cached "${H[*]} build -q -t bench/app $ctx" \
	-n buildah-cached "${B[*]} ${BUD[*]} -t bench/app $ctx" >/dev/null

median() { python3 -c "import json,sys;d=json.load(open('$work/build.json'));print([r['median'] for r in d['results'] if r['command']==sys.argv[1]][0]*1000)" "$1"; }
echo "# bench/build.sh: 10-step multi-stage build, median of $RUNS runs ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), $(buildah --version | cut -d' ' -f1-3))"
printf '%-8s %14s %14s %14s\n' case "hull (ms)" "buildah (ms)" "buildah/hull"
for c in cold cached; do
	h=$(median "hull-$c")
	b=$(median "buildah-$c")
	printf '%-8s %14.1f %14.1f %14s\n' "$c" "$h" "$b" "$(python3 -c "print(f'{$b/$h:.1f}x')")"
done
