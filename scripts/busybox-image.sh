#!/bin/bash
# Builds a root filesystem tarball from the host's static busybox, for
# `hull import` without a registry: /bin/busybox, one relative symlink per
# applet, /etc/passwd and /etc/group, and the usual empty directories.
set -eu

usage() {
	echo "usage: $0 OUTPUT.tar [BUSYBOX]   (BUSYBOX defaults to /bin/busybox; apt-get install busybox-static)" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
out=$1
busybox=${2:-/bin/busybox}

[ -x "$busybox" ] || { echo "$0: $busybox is not an executable" >&2; exit 1; }
# A dynamically linked busybox would need the host's libc inside the image.
if command -v file >/dev/null && file -L "$busybox" | grep -q 'dynamically linked'; then
	echo "$0: $busybox is dynamically linked; install busybox-static" >&2
	exit 1
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/bin "$root"/sbin "$root"/usr/bin "$root"/usr/sbin \
	"$root"/etc "$root"/root "$root"/tmp "$root"/proc "$root"/sys "$root"/dev "$root"/var
chmod 1777 "$root"/tmp
chmod 700 "$root"/root
cp "$busybox" "$root"/bin/busybox
chmod 755 "$root"/bin/busybox

# --list-full prints each applet's path relative to /, e.g. usr/bin/awk.
"$busybox" --list-full | while read -r applet; do
	[ "$applet" = bin/busybox ] && continue
	dir=${applet%/*}
	up=$(echo "$dir" | sed 's#[^/][^/]*#..#g')
	ln -sf "$up/bin/busybox" "$root/$applet"
done

cat >"$root"/etc/passwd <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$root"/etc/group <<'GROUP'
root:x:0:
daemon:x:1:
nogroup:x:65534:
GROUP

tar --numeric-owner --owner=0 --group=0 --sort=name -C "$root" -cf "$out" .
echo "$out: $(tar -tf "$out" | wc -l) entries"
