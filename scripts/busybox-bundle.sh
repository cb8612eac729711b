#!/usr/bin/env bash
# Makes an OCI bundle (config.json + rootfs/) from the host's static busybox,
# with no network: the smallest working container image there is.
#
# usage: scripts/busybox-bundle.sh DIR [COMMAND...]
#   DIR       the bundle directory to create (must not exist)
#   COMMAND   the container's process (default: sh -c 'echo hello from hull; uname -a')
# Needs busybox-static (apt-get install busybox-static) and hull-oci in PATH
# or HULL_OCI set to its path.
set -euo pipefail
[[ $# -ge 1 ]] || { sed -n '2,10s/^# \{0,1\}//p' "$0" >&2; exit 2; }
dir=$1
shift
hull_oci=${HULL_OCI:-$(command -v hull-oci || echo bin/hull-oci)}
busybox=/bin/busybox
if ! [[ -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
	echo "busybox-bundle.sh: no static $busybox (apt-get install busybox-static)" >&2
	exit 1
fi
[[ ! -e $dir ]] || { echo "busybox-bundle.sh: $dir exists" >&2; exit 1; }
mkdir -p "$dir"/rootfs/{bin,dev,etc,proc,sys,tmp,root}
cp "$busybox" "$dir/rootfs/bin/busybox"
# Relative links: `busybox --install -s` would point them at this host path.
for applet in $("$busybox" --list); do
	[[ -e $dir/rootfs/bin/$applet ]] || ln -s busybox "$dir/rootfs/bin/$applet"
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' >"$dir/rootfs/etc/passwd"
printf '%s\n' 'root:x:0:' 'tty:x:5:' 'nogroup:x:65534:' >"$dir/rootfs/etc/group"
"$hull_oci" spec --bundle "$dir"
if [[ $# -eq 0 ]]; then
	set -- sh -c 'echo hello from hull; uname -a'
fi
# Without a terminal, running the given command: each argument becomes a
# JSON string (backslashes and quotes escaped) in place of the default "sh".
json_args=
for arg in "$@"; do
	arg=${arg//\\/\\\\}
	arg=${arg//\"/\\\"}
	json_args+="${json_args:+, }\"$arg\""
done
# ... then escaped again for sed's replacement text.
json_args=${json_args//\\/\\\\}
json_args=${json_args//&/\\&}
json_args=${json_args//|/\\|}
sed -i -e '0,/"terminal": true/s//"terminal": false/' \
	-e '/"args": \[/,/\]/{/"args": \[/!d}' \
	-e "s|\"args\": \\[|\"args\": [$json_args],|" "$dir/config.json"
echo "bundle ready: $dir (run it with: cd $dir && hull-oci run NAME)"
