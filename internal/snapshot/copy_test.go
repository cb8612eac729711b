package snapshot

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestCopyKeepsMetadata checks that the copy driver's Prepare reproduces
// what a container could notice: owners, modes, xattrs, links and nodes.
func TestCopyKeepsMetadata(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverCopy)
	m, err := s.Prepare(ctx, "extract", "")
	if err != nil {
		t.Fatal(err)
	}
	src := mountAt(t, m)
	p := func(name string) string { return filepath.Join(src, name) }
	must(t, os.WriteFile(p("suid"), []byte("x"), 0o755))
	must(t, os.Chown(p("suid"), 1234, 5678))
	must(t, os.Chmod(p("suid"), 0o4755|os.ModeSetuid))
	must(t, unix.Lsetxattr(p("suid"), "user.note", []byte("hi"), 0))
	must(t, unix.Lsetxattr(p("suid"), "trusted.t", []byte("yes"), 0))
	must(t, os.Link(p("suid"), p("hard")))
	must(t, unix.Mknod(p("null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	must(t, unix.Mkfifo(p("fifo"), 0o600))
	must(t, os.Symlink("suid", p("link")))
	must(t, os.Lchown(p("link"), 7, 8))
	must(t, os.Mkdir(p("dir"), 0o711))
	must(t, os.Chown(p("dir"), 42, 43))
	must(t, Unmount(src))
	must(t, s.Commit(ctx, "base", "extract"))

	if _, err := s.Prepare(ctx, "ctr", "base"); err != nil {
		t.Fatal(err)
	}
	l, err := s.Layers(ctx, "ctr")
	if err != nil {
		t.Fatal(err)
	}
	q := func(name string) unix.Stat_t {
		var st unix.Stat_t
		must(t, unix.Lstat(filepath.Join(l.Upper, name), &st))
		return st
	}
	if st := q("suid"); st.Uid != 1234 || st.Gid != 5678 || st.Mode&0o7777 != 0o4755 {
		t.Errorf("suid: uid %d gid %d mode %o", st.Uid, st.Gid, st.Mode&0o7777)
	}
	for name, want := range map[string]string{"user.note": "hi", "trusted.t": "yes"} {
		if v, err := getXattr(filepath.Join(l.Upper, "suid"), name); err != nil || string(v) != want {
			t.Errorf("xattr %s = %q, %v", name, v, err)
		}
	}
	if q("suid").Ino != q("hard").Ino {
		t.Error("hard link became two files")
	}
	if st := q("null"); st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("null: mode %o rdev %d", st.Mode, st.Rdev)
	}
	if st := q("fifo"); st.Mode&unix.S_IFMT != unix.S_IFIFO {
		t.Errorf("fifo: mode %o", st.Mode)
	}
	if st := q("link"); st.Uid != 7 || st.Mode&unix.S_IFMT != unix.S_IFLNK {
		t.Errorf("link: uid %d mode %o", st.Uid, st.Mode)
	}
	if st := q("dir"); st.Uid != 42 || st.Mode&0o7777 != 0o711 {
		t.Errorf("dir: uid %d mode %o", st.Uid, st.Mode&0o7777)
	}
	if st := q("."); st.Mode&0o7777 != 0o755 {
		t.Errorf("root: mode %o", st.Mode&0o7777)
	}
}

func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}
