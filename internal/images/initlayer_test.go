package images

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/snapshot"
)

// Containers of an image lacking them find /proc, /sys, /dev and empty
// /etc/hosts, /etc/hostname and /etc/resolv.conf to mount on, from one
// init layer the image's containers share, and start with an empty
// writable layer; removing the image removes its init layer too.
func TestInitLayer(t *testing.T) {
	e := newEnv(t, snapshot.DriverOverlay)
	c := ctx(t)
	e.importTar(t, busyboxTar(t, nil), "busybox", ImportOptions{})
	for _, key := range []string{"ctr-1", "ctr-2"} {
		mounts, _, err := e.PrepareRootfs(c, "busybox", key)
		if err != nil {
			t.Fatal(err)
		}
		rootfs, unmount := e.mount(t, mounts)
		for _, name := range []string{"etc/hosts", "etc/hostname", "etc/resolv.conf"} {
			fi, err := os.Lstat(filepath.Join(rootfs, name))
			if err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 || fi.Mode().Perm() != 0o644 {
				t.Errorf("%s: %v, %v; want an empty 0644 file", name, fi, err)
			}
		}
		for _, name := range []string{"proc", "sys", "dev"} {
			if fi, err := os.Stat(filepath.Join(rootfs, name)); err != nil || !fi.IsDir() {
				t.Errorf("%s: %v, %v; want a directory", name, fi, err)
			}
		}
		if fi, err := os.Stat(filepath.Join(rootfs, "etc")); err != nil || fi.Mode().Perm() != 0o755 {
			t.Errorf("etc: %v, %v; want the image's 0755", fi, err)
		}
		if b, err := os.ReadFile(filepath.Join(rootfs, "etc/passwd")); err != nil || !strings.HasPrefix(string(b), "root:") {
			t.Errorf("etc/passwd from the image: %q, %v", b, err)
		}
		unmount()
		dirs, err := e.snapshots.Layers(c, key)
		if err != nil {
			t.Fatal(err)
		}
		if entries, err := os.ReadDir(dirs.Upper); err != nil || len(entries) != 0 {
			t.Errorf("%s's writable layer is not empty: %v, %v", key, entries, err)
		}
	}
	var inits []string
	for _, n := range e.snapshotNames(t) {
		if strings.HasPrefix(n, initPrefix) {
			inits = append(inits, n)
		}
	}
	if len(inits) != 1 {
		t.Errorf("init layers: %v, want one for both containers", inits)
	}
	for _, key := range []string{"ctr-1", "ctr-2"} {
		if err := e.RemoveRootfs(c, key); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Remove(c, "busybox", false); err != nil {
		t.Fatal(err)
	}
	if names := e.snapshotNames(t); len(names) != 0 {
		t.Errorf("snapshots left after removing the image: %v", names)
	}
}
