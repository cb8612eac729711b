package volume

import (
	"bufio"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// entry is what a container can observe of one file, for comparing trees.
type entry struct {
	Mode     uint32
	UID, GID uint32
	Rdev     uint64
	Mtime    unix.Timespec
	Content  string // file data or link target
	Xattrs   string
	LinkedTo string // the first path sharing this inode, if another does
}

// snapshotTree describes every entry below dir (dir itself as ".").
func snapshotTree(t *testing.T, dir string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	inodes := map[uint64]string{}
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		var st unix.Stat_t
		if err := unix.Lstat(p, &st); err != nil {
			return err
		}
		e := entry{Mode: st.Mode, UID: st.Uid, GID: st.Gid, Rdev: st.Rdev, Mtime: st.Mtim}
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.Content = string(b)
		case unix.S_IFLNK:
			e.Content, _ = os.Readlink(p)
		}
		if st.Mode&unix.S_IFMT != unix.S_IFDIR && st.Nlink > 1 {
			if first, ok := inodes[st.Ino]; ok {
				e.LinkedTo = first
			} else {
				inodes[st.Ino] = rel
			}
		}
		e.Xattrs = xattrString(t, p)
		out[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func xattrString(t *testing.T, p string) string {
	t.Helper()
	sz, err := unix.Llistxattr(p, nil)
	if err != nil || sz == 0 {
		return ""
	}
	buf := make([]byte, sz)
	n, _ := unix.Llistxattr(p, buf)
	var parts []string
	for _, k := range strings.Split(strings.TrimSuffix(string(buf[:n]), "\x00"), "\x00") {
		v := make([]byte, 256)
		m, _ := unix.Lgetxattr(p, k, v)
		parts = append(parts, k+"="+string(v[:max(m, 0)]))
	}
	slices.Sort(parts)
	return strings.Join(parts, ";")
}

func compareTrees(t *testing.T, want, got map[string]entry) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: missing", k)
		} else if g != want[k] {
			t.Errorf("%s:\n got  %+v\n want %+v", k, g, want[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: not in the source", k)
		}
	}
}

var past = time.Date(2001, 2, 3, 4, 5, 6, 789, time.UTC)

// makeImageTree fills dir with what an image directory may hold. With
// root, it adds what needs root: other owners, a device node, trusted.*.
func makeImageTree(t *testing.T, dir string, root bool) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "etc/conf"), "setting=1\n")
	writeFile(t, filepath.Join(dir, "bin/tool"), "#!/bin/sh\n")
	must(os.Chmod(filepath.Join(dir, "bin/tool"), 0o755|os.ModeSetuid))
	must(os.Link(filepath.Join(dir, "bin/tool"), filepath.Join(dir, "bin/tool2")))
	must(os.Link(filepath.Join(dir, "etc/conf"), filepath.Join(dir, "conf-link")))
	must(os.Symlink("/etc", filepath.Join(dir, "abs")))
	must(os.Symlink("/etc/passwd", filepath.Join(dir, "passwd")))
	must(os.Symlink("../../../../../../etc/shadow", filepath.Join(dir, "rel")))
	must(os.Symlink("nowhere", filepath.Join(dir, "dangling")))
	must(os.Mkdir(filepath.Join(dir, "tmp"), 0o755))
	must(os.Chmod(filepath.Join(dir, "tmp"), 0o777|os.ModeSticky))
	must(unix.Mkfifo(filepath.Join(dir, "pipe"), 0o640))
	must(unix.Setxattr(filepath.Join(dir, "etc/conf"), "user.note", []byte("from the image"), 0))
	must(unix.Setxattr(filepath.Join(dir, "etc"), "user.dir", []byte("d"), 0))
	must(unix.Setxattr(dir, "user.root", []byte("r"), 0))
	must(os.Chmod(filepath.Join(dir, "etc/conf"), 0o640))
	must(os.Chmod(filepath.Join(dir, "etc"), 0o750))
	must(os.Chmod(dir, 0o710))
	if root {
		must(unix.Mknod(filepath.Join(dir, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
		must(unix.Setxattr(filepath.Join(dir, "bin/tool"), "trusted.t", []byte("x"), 0))
		must(os.Lchown(filepath.Join(dir, "etc/conf"), 1001, 1002))
		must(os.Lchown(filepath.Join(dir, "etc"), 1000, 1000))
		must(os.Lchown(filepath.Join(dir, "abs"), 7, 8))
		must(os.Lchown(dir, 33, 33))
	}
	// Times last, children first, as the copy must keep them.
	for _, p := range []string{"etc/conf", "bin/tool", "pipe", "etc", "bin", "tmp", "."} {
		must(unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dir, p),
			[]unix.Timespec{unix.NsecToTimespec(past.UnixNano()), unix.NsecToTimespec(past.UnixNano())}, 0))
	}
	must(unix.UtimesNanoAt(unix.AT_FDCWD, filepath.Join(dir, "abs"),
		[]unix.Timespec{unix.NsecToTimespec(past.UnixNano()), unix.NsecToTimespec(past.UnixNano())}, unix.AT_SYMLINK_NOFOLLOW))
}

func TestPopulateCopiesEverything(t *testing.T) {
	s := newStore(t)
	src := t.TempDir()
	makeImageTree(t, src, os.Geteuid() == 0)
	want := snapshotTree(t, src)
	v := mustCreate(t, s, CreateOptions{Name: "filled"})
	mustAcquire(t, s, "filled", "c1")
	if err := s.Populate("filled", src); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, want, snapshotTree(t, v.Mountpoint))
	if _, err := os.Stat(filepath.Join(s.Root(), "filled", "populated")); err != nil {
		t.Errorf("not marked: %v", err)
	}
}

// A source full of symlinks pointing out of it gets links copied as links
// and nothing from where they point.
func TestPopulateHostileSource(t *testing.T) {
	s := newStore(t)
	src := t.TempDir()
	for name, target := range map[string]string{"etc": "/etc", "shadow": "/etc/shadow", "up": "../../../..", "self": "/proc/self/root"} {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	v := mustCreate(t, s, CreateOptions{Name: "hostile"})
	if err := s.Populate("hostile", src); err != nil {
		t.Fatal(err)
	}
	got := snapshotTree(t, v.Mountpoint)
	if len(got) != 5 {
		t.Errorf("volume holds %d entries, want the root and four links: %v", len(got), slices.Collect(maps.Keys(got)))
	}
	for rel, e := range got {
		if rel != "." && e.Mode&unix.S_IFMT != unix.S_IFLNK {
			t.Errorf("%s is not a symlink: %o", rel, e.Mode)
		}
	}
}

// A path inside a root filesystem resolves inside it, as the container
// will see it; a host path through a symlink is refused.
func TestPopulateInResolvesInRoot(t *testing.T) {
	s := newStore(t)
	rootfs := t.TempDir()
	writeFile(t, filepath.Join(rootfs, "etc/only-in-image"), "image")
	if err := os.Symlink("/etc", filepath.Join(rootfs, "data")); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/data", "../../../../data", "/etc/../../etc"} {
		name := "in" + fmt.Sprint(len(target))
		v := mustCreate(t, s, CreateOptions{Name: name})
		if err := s.PopulateIn(name, rootfs, target); err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		entries, _ := os.ReadDir(v.Mountpoint)
		if len(entries) != 1 || entries[0].Name() != "only-in-image" {
			t.Errorf("%s: volume holds %v, want the image's /etc", target, entries)
		}
	}
	mustCreate(t, s, CreateOptions{Name: "viahost"})
	err := s.Populate("viahost", filepath.Join(rootfs, "data"))
	wantKind(t, err, errdefs.ErrInvalidArgument, "populate through a symlink")
	if err := s.PopulateIn("viahost", rootfs, "/missing"); err != nil {
		t.Errorf("missing source: %v", err)
	}
	if err := s.PopulateIn("viahost", rootfs, "/etc/only-in-image"); err != nil {
		t.Errorf("file source: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(s.Root(), "viahost", "_data")); len(entries) != 0 {
		t.Errorf("volume filled from nothing: %v", entries)
	}
}

// A volume is filled once: emptied by its user, it stays empty; one the
// user filled first is never filled; an empty source fills nothing and
// leaves the volume open to a later fill.
func TestPopulateOnce(t *testing.T) {
	s := newStore(t)
	src1, src2, empty := t.TempDir(), t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(src1, "one"), "1")
	writeFile(t, filepath.Join(src2, "two"), "2")
	if err := os.Chmod(empty, 0o700); err != nil {
		t.Fatal(err)
	}

	v := mustCreate(t, s, CreateOptions{Name: "once"})
	if err := s.Populate("once", empty); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(v.Mountpoint); fi.Mode().Perm() != 0o700 {
		t.Errorf("an empty source's mode not taken: %v", fi.Mode())
	}
	for _, src := range []string{src1, src2} {
		if err := s.Populate("once", src); err != nil {
			t.Fatal(err)
		}
	}
	if entries, _ := os.ReadDir(v.Mountpoint); len(entries) != 1 || entries[0].Name() != "one" {
		t.Fatalf("after two fills: %v", entries)
	}
	os.Remove(filepath.Join(v.Mountpoint, "one"))
	if err := s.Populate("once", src2); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(v.Mountpoint); len(entries) != 0 {
		t.Errorf("filled again: %v", entries)
	}

	u := mustCreate(t, s, CreateOptions{Name: "users"})
	writeFile(t, filepath.Join(u.Mountpoint, "mine"), "user data")
	if err := s.Populate("users", src1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(u.Mountpoint, "one")); !os.IsNotExist(err) {
		t.Errorf("a volume with data was filled: %v", err)
	}
}

// A fill cut short is finished by the next Populate, whatever the
// killed one left: here a directory where the image has a file.
func TestPopulateResumes(t *testing.T) {
	s := newStore(t)
	src := t.TempDir()
	makeImageTree(t, src, false)
	v := mustCreate(t, s, CreateOptions{Name: "cut"})
	if err := os.MkdirAll(filepath.Join(v.Mountpoint, "etc/conf/junk"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(v.Mountpoint, "bin"), "a file where a directory goes")
	writeFile(t, filepath.Join(s.Root(), "cut", "populating"), "")
	if err := s.Populate("cut", src); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, snapshotTree(t, src), snapshotTree(t, v.Mountpoint))
	if _, err := os.Stat(filepath.Join(s.Root(), "cut", "populating")); !os.IsNotExist(err) {
		t.Errorf("marker left: %v", err)
	}
}

// A process killed with SIGKILL at some point of a fill leaves a volume
// the next Populate completes to an exact copy.
func TestKilledPopulate(t *testing.T) {
	s := newStore(t)
	src := t.TempDir()
	for i := range 300 {
		writeFile(t, filepath.Join(src, fmt.Sprintf("d%02d/f%04d", i%30, i)), strings.Repeat("x", i))
	}
	v := mustCreate(t, s, CreateOptions{Name: "killed"})
	cmd := helperCmd(s, "populate", "HELPER_NAME=killed", "HELPER_SRC="+src)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if r := bufio.NewScanner(stdout); !r.Scan() {
		t.Fatal("helper did not start")
	}
	// Kill it once the fill has begun, or let it finish if it is faster
	// than this loop: either way the next Populate must end with a copy.
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	marker := filepath.Join(s.Root(), "killed", "populating")
wait:
	for {
		select {
		case <-exited:
			break wait
		default:
		}
		if _, err := os.Stat(marker); err == nil {
			cmd.Process.Kill()
			<-exited
			break
		}
		time.Sleep(time.Millisecond)
	}
	n, _ := os.ReadDir(v.Mountpoint)
	t.Logf("helper stopped after copying %d of 30 directories", len(n))
	if err := s.Populate("killed", src); err != nil {
		t.Fatal(err)
	}
	compareTrees(t, snapshotTree(t, src), snapshotTree(t, v.Mountpoint))
}

// A tmpfs volume loses its content when unmounted, so it is filled again
// at its next first use.
func TestPopulateTmpfsRefills(t *testing.T) {
	needRoot(t)
	s := newStore(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "seed"), "s")
	mustCreate(t, s, CreateOptions{Name: "tv", Options: tmpfsOptions})
	for turn := range 2 {
		host := mustAcquire(t, s, "tv", "c1")
		if err := s.Populate("tv", src); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(host, "seed")); err != nil {
			t.Errorf("turn %d: %v", turn, err)
		}
		if err := s.Release("tv", "c1"); err != nil {
			t.Fatal(err)
		}
	}
}
