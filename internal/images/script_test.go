package images

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/image"
)

// TestBusyboxScriptImageRuns builds the README's image with
// scripts/busybox-image.sh, imports it, and runs a shell from the
// container's rootfs (chrooted, nothing more): the applet links resolve.
func TestBusyboxScriptImageRuns(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	tarball := filepath.Join(e.base, "busybox.tar")
	if out, err := exec.Command("bash", "../../scripts/busybox-image.sh", tarball).CombinedOutput(); err != nil {
		t.Fatalf("busybox-image.sh: %v\n%s", err, out)
	}
	f, err := os.Open(tarball)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := e.Import(c, f, "busybox", ImportOptions{Changes: Changes{Cmd: []string{"sh"}}}); err != nil {
		t.Fatal(err)
	}
	mounts, _, err := e.PrepareRootfs(c, "busybox", "ctr-1")
	if err != nil {
		t.Fatal(err)
	}
	rootfs, _ := e.mount(t, mounts)
	cmd := exec.Command("/bin/sh", "-c", "id -un; /usr/bin/awk 'BEGIN{print 6*7}'")
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: rootfs}
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/bin:/usr/bin:/sbin:/usr/sbin"}
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "root\n42\n" {
		t.Fatalf("shell in the rootfs: %v\n%s", err, out)
	}
}

// TestOverlayMountsAreDiffable checks that a container's overlay is
// mounted without redirects and metacopy, which DiffOverlay cannot read.
func TestOverlayMountsAreDiffable(t *testing.T) {
	e := newEnv(t, "overlay")
	c := ctx(t)
	e.importTar(t, busyboxTar(t, nil), "busybox", ImportOptions{})
	mounts, _, err := e.PrepareRootfs(c, "busybox", "ctr-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.Mounts(c, "ctr-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, ms := range [][]string{mounts[0].Options, again[0].Options} {
		if mounts[0].Type != "overlay" || !slices.Contains(ms, "redirect_dir=off") || !slices.Contains(ms, "metacopy=off") {
			t.Errorf("mount %s %v", mounts[0].Type, ms)
		}
	}
	rootfs, _ := e.mount(t, mounts)
	info, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		if strings.Contains(line, " "+rootfs+" ") && (strings.Contains(line, "redirect_dir=on") || strings.Contains(line, "metacopy=on")) {
			t.Errorf("mounted with %s", line)
		}
	}
}

// TestRootLabelFollowsRecords checks the manifest's GC root label lives
// exactly as long as some record names the manifest: a retag keeps it, a
// re-import under the same name or a Remove drops it.
func TestRootLabelFollowsRecords(t *testing.T) {
	e := newEnv(t, "")
	c := ctx(t)
	tarball := busyboxTar(t, nil)
	e.importTar(t, tarball, "a", ImportOptions{})
	first, err := e.Get(c, "a")
	if err != nil {
		t.Fatal(err)
	}
	isRoot := func(img image.Image) bool {
		l, err := e.content.Labels(c, img.Target.Digest)
		return err == nil && l[content.LabelGCRoot] != ""
	}
	if !isRoot(first) {
		t.Fatal("imported manifest is not a GC root")
	}
	tag := first
	tag.Name = "docker.io/library/a:other"
	if _, err := e.records.Put(c, tag); err != nil {
		t.Fatal(err)
	}
	e.importTar(t, tarball, "a", ImportOptions{Comment: "second"}) // a moves on
	if !isRoot(first) {
		t.Error("manifest lost its root label while a:other still names it")
	}
	if err := e.Remove(c, "a:other", false); err != nil {
		t.Fatal(err)
	}
	if isRoot(first) {
		t.Error("manifest no record names is still a GC root")
	}
	if _, err := e.Prune(c); err != nil {
		t.Fatal(err)
	}
	if e.content.Exists(c, first.Target.Digest) {
		t.Error("prune kept the manifest of a removed image")
	}
	if _, err := e.Unpack(c, "a", image.DefaultPlatform()); err != nil {
		t.Errorf("the second a after prune: %v", err)
	}
}
