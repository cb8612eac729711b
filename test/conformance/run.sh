#!/usr/bin/env bash
# Run the OCI runtime-tools validation suite against one OCI runtime.
#
# usage: test/conformance/run.sh RUNTIME_BINARY [TEST...]
#
#   RUNTIME_BINARY  path or name of a runc-compatible runtime (hull-oci, runc, crun)
#   TEST            validation test names (e.g. "default", "kill"); all of them if none given
#
# Prints one line per test and a closing "N passed, N failed, N skipped" line:
#   PASS name (p of m assertions, s skipped)
#   FAIL name (n of m assertions failed)     -- or the exit status when the program died
#   SKIP name (reason)                       -- every assertion was skipped
#   TIMEOUT name (after S s)
# Exits 0 when nothing failed, 1 when a test failed or timed out, 2 on a usage or setup error.
#
# Environment:
#   HULL_CONFORMANCE_CACHE    where the built suite is kept between runs
#                             (default /var/cache/hull-conformance)
#   HULL_CONFORMANCE_TIMEOUT  seconds one test program may take (default 60)
#   HULL_CONFORMANCE_LOGS     keep each test's TAP output (NAME.tap) and stderr (NAME.err) here
#   HULL_CONFORMANCE_VERBOSE  1: print the failed assertions under each FAIL line
#   RUNTIME_TOOLS_VERSION     the suite's Go module version (default pinned below)
#
# The suite is github.com/opencontainers/runtime-tools, fetched through the Go module proxy: its
# last tag (v0.9.0, 2019) predates most of validation/, so a pseudo-version of master is pinned.
# Each test program reads RUNTIME from the environment, and expects `runtimetest` and
# `rootfs-amd64.tar.gz` in its working directory; it copies both into a fresh bundle per container.
#
# The runtime is called through a small wrapper that adds `--root <private dir>`, so the run never
# sees or touches other containers on the host, and whatever a failed test leaves behind can be
# found and force-deleted after it.
set -euo pipefail

readonly SUITE_MODULE=github.com/opencontainers/runtime-tools
# master of 2025-05-23 (commit 0ea5ed0382a2), served by the proxy only by its full pseudo-version.
# It is the newest master the proxy serves that still builds against runtime-spec v1.1.0: from
# 2025-11 on, the suite writes "ociVersion": "1.3.0", which crun 1.8 (Debian 12) refuses outright
# ("unknown version specified"), so every crun result would be a failure. Later commits change
# nothing else in validation/ but lint fixes and the pids limit type.
readonly DEFAULT_SUITE_VERSION=v0.9.1-0.20250523060157-0ea5ed0382a2

SUITE_VERSION=${RUNTIME_TOOLS_VERSION:-$DEFAULT_SUITE_VERSION}
CACHE=${HULL_CONFORMANCE_CACHE:-/var/cache/hull-conformance}
TIMEOUT=${HULL_CONFORMANCE_TIMEOUT:-60}
LOGS=${HULL_CONFORMANCE_LOGS:-}
VERBOSE=${HULL_CONFORMANCE_VERBOSE:-0}

usage() {
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
	exit 2
}

die() {
	echo "run.sh: $*" >&2
	exit 2
}

# --- host setup -----------------------------------------------------------------------------

require_root() {
	if [[ $(id -u) -ne 0 ]]; then
		die "must run as root (the suite creates containers, cgroups and mounts)"
	fi
}

# crun 1.8 refuses a hybrid cgroup layout while the cgroup2 mount holds a controller; on these
# machines that controller is hugetlb. Mounting hugetlb as a v1 hierarchy moves it out of cgroup2.
# Every runtime then sees the same layout, so results stay comparable.
mount_hugetlb_v1() {
	local dir=/sys/fs/cgroup/hugetlb
	[[ -d /sys/fs/cgroup/unified ]] || return 0 # not a hybrid host
	mountpoint -q "$dir" && return 0
	grep -qw hugetlb /proc/cgroups || return 0
	mkdir -p "$dir"
	mount -t cgroup -o hugetlb cgroup "$dir" ||
		echo "run.sh: note: could not mount hugetlb under cgroup v1; crun may refuse to run" >&2
}

find_go() {
	if command -v go >/dev/null; then
		command -v go
	elif [[ -x /usr/local/go/bin/go ]]; then
		echo /usr/local/go/bin/go
	else
		die "the Go toolchain is needed to build the suite (not in PATH nor /usr/local/go)"
	fi
}

# --- building the suite ---------------------------------------------------------------------

# A rootfs like the suite's own (busybox with its applet links, /etc/passwd and /etc/group),
# made from the host's busybox-static; used only when the module zip lacks rootfs-amd64.tar.gz.
make_busybox_rootfs_tar() {
	local out=$1 busybox=/bin/busybox root
	# ldd says "not a dynamic executable" of a static binary; the rootfs has no libc.
	if ! [[ -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
		die "rootfs-amd64.tar.gz is not in the module and no static /bin/busybox (apt-get install busybox-static)"
	fi
	root=$(mktemp -d)
	mkdir -p "$root"/{bin,dev,etc,proc,sys,tmp}
	cp "$busybox" "$root/bin/busybox"
	# Absolute links to /bin/busybox, which resolve inside the container's root.
	"$busybox" --install -s "$root/bin"
	printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' \
		>"$root/etc/passwd"
	printf '%s\n' 'root:x:0:' 'nogroup:x:65533:' 'nobody:x:65534:' >"$root/etc/group"
	tar -C "$root" -czf "$out" .
	rm -rf "$root"
}

# Builds runtimetest and every validation program into $CACHE/<version>-<go version>/, once.
# Prints that directory.
build_suite() {
	local go goversion dest tmp moddir
	go=$(find_go)
	goversion=$("$go" env GOVERSION)
	dest=$CACHE/runtime-tools-$SUITE_VERSION-$goversion
	if [[ -f $dest/complete ]]; then
		echo "$dest"
		return
	fi
	mkdir -p "$CACHE"
	tmp=$(mktemp -d "$CACHE/build.XXXXXX")
	echo "run.sh: building $SUITE_MODULE@$SUITE_VERSION with $goversion (cached in $dest)" >&2
	# A throwaway module that requires the suite; -mod=mod lets go fill in go.sum from the proxy.
	cat >"$tmp/go.mod" <<-EOF
		module hull.invalid/conformance-suite

		go 1.21

		require $SUITE_MODULE $SUITE_VERSION
	EOF
	mkdir -p "$tmp/bin"
	(
		cd "$tmp"
		export GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
		# One go build for all programs: -o DIR/ names each binary after its package directory.
		"$go" build -o bin/ "$SUITE_MODULE/validation/..."
		# runtimetest runs inside the container, whose rootfs has no libc: build it static,
		# as the suite's Makefile does.
		CGO_ENABLED=0 "$go" build -tags 'netgo osusergo' -o bin/runtimetest "$SUITE_MODULE/cmd/runtimetest"
	) >&2 || {
		rm -rf "$tmp"
		die "building the suite failed"
	}
	moddir=$(cd "$tmp" && GOFLAGS=-mod=mod "$go" list -m -f '{{.Dir}}' "$SUITE_MODULE")
	if [[ -f $moddir/rootfs-amd64.tar.gz ]]; then
		cp "$moddir/rootfs-amd64.tar.gz" "$tmp/rootfs-amd64.tar.gz"
	else
		make_busybox_rootfs_tar "$tmp/rootfs-amd64.tar.gz"
	fi
	touch "$tmp/complete"
	rm -rf "$dest"
	mv "$tmp" "$dest"
	echo "$dest"
}

# --- running one test -----------------------------------------------------------------------

RUN_DIR=
TEST_PID=

# Force-deletes every container left in the private state directory, then unmounts and removes
# the bundles a test left in its TMPDIR.
clean_leftovers() {
	local dir m
	# Each runtime keeps one directory per container, named by its ID, under --root.
	for dir in "$RUN_DIR"/state/*/; do
		[[ -d $dir ]] || continue
		"$RUNTIME_BIN" --root "$RUN_DIR/state" delete --force "$(basename "$dir")" >/dev/null 2>&1 || true
	done
	# Deepest mounts first; some tests bind-mount into their bundles.
	for m in $(findmnt -rn -o TARGET | grep "^$RUN_DIR/" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	if [[ -d $RUN_DIR/tmp ]]; then
		rm -rf --one-file-system "${RUN_DIR:?}/tmp"
		mkdir -p "$RUN_DIR/tmp"
	fi
}

on_exit() {
	if [[ -n $TEST_PID ]]; then
		kill -TERM "$TEST_PID" 2>/dev/null || true
		wait "$TEST_PID" 2>/dev/null || true
	fi
	if [[ -n $RUN_DIR && -d $RUN_DIR ]]; then
		clean_leftovers
		if [[ -d $RUN_DIR/state ]]; then
			rm -rf --one-file-system "$RUN_DIR/state"
		fi
		rm -rf --one-file-system "$RUN_DIR"
	fi
}

# Reads the TAP a test program printed (one or more "TAP version 13" documents) on stdin and
# prints, tab-separated: assertions, failed, skipped, planned, errors, a skip reason, an error.
# Only unindented lines are TAP lines; YAML diagnostics are indented between "  ---" and "  ...".
# The suite reports a failure outside any assertion as a YAML block with an "error" key that
# follows no ok/not ok line (e.g. the hook tests print "1..0" and such a block): an "error".
tap_counts() {
	awk '
		BEGIN { OFS = "\t"; last = "header" }
		/^TAP version/ { last = "header"; next }
		/^(not )?ok / {
			total++
			last = "assertion"
			if (match($0, /# *[Ss][Kk][Ii][Pp]/)) {
				skipped++
				if (skip == "") { skip = substr($0, RSTART + RLENGTH); sub(/^ +/, "", skip) }
			} else if ($1 == "not" && $0 !~ /# *[Tt][Oo][Dd][Oo]/) {
				failed++
			}
			next
		}
		/^1\.\.[0-9]+/ { planned += substr($1, 4) + 0; next }
		/^  ---/ { yaml = 1; orphan = (last != "assertion"); next }
		/^  \.\.\./ { yaml = 0; last = "diagnostic"; next }
		yaml && orphan && /^ *"error": / {
			errors++
			if (error == "") {
				error = $0
				sub(/^ *"error": "/, "", error)
				sub(/\\n.*/, "", error)
				sub(/",?$/, "", error)
			}
		}
		END { print total + 0, failed + 0, skipped + 0, planned + 0, errors + 0, skip "-", error "-" }
	'
}

# The last meaningful line a test program wrote to stderr: usually the runtime's own error.
last_error_line() {
	{ grep -v -e '^[[:space:]]*$' -e '^exit status [0-9]*$' "$1" | tail -n 1 |
		sed -e 's/^time="[^"]*" level=[a-z]* msg=//' | cut -c1-160; } || true
}

PASSED=0
FAILED=0
SKIPPED=0

run_test() {
	local name=$1 tap=$RUN_DIR/logs/$1.tap err=$RUN_DIR/logs/$1.err rc=0
	local total failed skipped planned errors skip error verdict detail
	# The programs look for runtimetest and the rootfs tarball in their working directory and
	# make their bundles under TMPDIR.
	(cd "$RUN_DIR/work" && exec env TMPDIR="$RUN_DIR/tmp" RUNTIME="$RUN_DIR/runtime" \
		timeout --kill-after=10 "$TIMEOUT" "$SUITE_DIR/bin/$name") </dev/null >"$tap" 2>"$err" &
	TEST_PID=$!
	wait "$TEST_PID" || rc=$?
	TEST_PID=
	clean_leftovers

	IFS=$'\t' read -r total failed skipped planned errors skip error < <(tap_counts <"$tap")
	skip=${skip%-} error=${error%-}
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		verdict=TIMEOUT detail="after $TIMEOUT s, $total assertions reported"
	elif [[ $failed -gt 0 ]]; then
		verdict=FAIL detail="$failed of $total assertions failed"
	elif [[ $errors -gt 0 ]]; then
		verdict=FAIL detail="error: $error"
	elif [[ $rc -ne 0 ]]; then
		verdict=FAIL detail="exit status $rc after $total assertions: $(last_error_line "$err")"
	elif [[ $total -ne $planned ]]; then
		verdict=FAIL detail="planned $planned assertions, $total ran"
	elif [[ $total -eq 0 ]]; then
		# The *_fail programs print nothing and exit 0 when the runtime rejected the bad config.
		verdict=PASS detail="exit status 0, no assertions printed"
	elif [[ $skipped -eq $total ]]; then
		verdict=SKIP detail=${skip:-all assertions skipped}
	else
		verdict=PASS detail="$((total - skipped)) of $total assertions, $skipped skipped"
	fi
	echo "$verdict $name ($detail)"
	case $verdict in
	PASS) PASSED=$((PASSED + 1)) ;;
	SKIP) SKIPPED=$((SKIPPED + 1)) ;;
	*) FAILED=$((FAILED + 1)) ;;
	esac
	if [[ $VERBOSE == 1 ]]; then
		grep '^not ok' "$tap" | grep -v '# *TODO' | sed 's/^/    /' || true
	fi
	if [[ -n $LOGS ]]; then
		cp "$tap" "$err" "$LOGS/"
	fi
}

# --- main -----------------------------------------------------------------------------------

main() {
	[[ $# -ge 1 && $1 != -h && $1 != --help ]] || usage
	require_root
	RUNTIME_BIN=$(command -v "$1") || die "runtime $1 not found"
	RUNTIME_BIN=$(realpath "$RUNTIME_BIN")
	shift
	[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "HULL_CONFORMANCE_TIMEOUT must be a number of seconds"
	if [[ -n $LOGS ]]; then
		mkdir -p "$LOGS"
	fi
	mount_hugetlb_v1
	SUITE_DIR=$(build_suite)

	local tests=() t
	if [[ $# -eq 0 ]]; then
		for t in "$SUITE_DIR"/bin/*; do
			[[ $(basename "$t") == runtimetest ]] || tests+=("$(basename "$t")")
		done
	else
		for t in "$@"; do
			t=$(basename "${t%.t}")
			[[ -x $SUITE_DIR/bin/$t && $t != runtimetest ]] || die "no such validation test: $t"
			tests+=("$t")
		done
	fi

	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	RUN_DIR=$(mktemp -d /tmp/hull-conformance.XXXXXX)
	mkdir -p "$RUN_DIR"/{work,tmp,state,logs}
	cp "$SUITE_DIR/bin/runtimetest" "$SUITE_DIR/rootfs-amd64.tar.gz" "$RUN_DIR/work/"
	cat >"$RUN_DIR/runtime" <<-EOF
		#!/bin/sh
		exec $(printf '%q' "$RUNTIME_BIN") --root $(printf '%q' "$RUN_DIR/state") "\$@"
	EOF
	chmod +x "$RUN_DIR/runtime"

	echo "# runtime-tools $SUITE_VERSION against $RUNTIME_BIN ($("$RUNTIME_BIN" --version 2>/dev/null | head -n 1 || echo 'version unknown'))"
	local start=$SECONDS
	for t in "${tests[@]}"; do
		run_test "$t"
	done
	echo "# ${#tests[@]} tests in $((SECONDS - start)) s"
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	[[ $FAILED -eq 0 ]]
}

main "$@"
