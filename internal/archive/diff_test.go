package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// baseLayer is the lower layer the diff tests change.
func baseLayer(t testing.TB) []byte {
	big := reg("usr/big", strings.Repeat("0123456789", 10000))
	big.hdr.Uid, big.hdr.Mode = 42, 0o640
	return tarOf(t,
		dirEntry("etc/"), reg("etc/motd", "hello"), reg("etc/hosts", "127.0.0.1 localhost\n"),
		withXattr(reg("etc/x", "x"), "user.a", "1"),
		dirEntry("usr/"), big, hardlink("usr/big2", "usr/big"),
		dirEntry("var/"), dirEntry("var/cache/"), reg("var/cache/a", "a"), reg("var/cache/b", "b"),
		dirEntry("opt/"), reg("opt/x", "x"), symlink("lib", "usr/lib"),
	)
}

// change edits a tree (the merged view, or a copy) the way a container would.
func change(t *testing.T, root string) {
	p := func(s string) string { return filepath.Join(root, s) }
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	check(os.WriteFile(p("etc/motd"), []byte("changed"), 0o644))
	check(os.Remove(p("etc/hosts")))
	check(os.Chmod(p("etc/x"), 0o600))
	check(os.Chown(p("opt/x"), 7, 8))
	check(unix.Lsetxattr(p("etc/x"), "user.b", []byte("2"), 0))
	check(os.RemoveAll(p("var/cache")))
	check(os.Mkdir(p("var/cache"), 0o700))
	check(os.WriteFile(p("var/cache/c"), []byte("c"), 0o644))
	check(os.RemoveAll(p("opt")))
	check(os.MkdirAll(p("new/deep/dir"), 0o755))
	check(os.WriteFile(p("new/deep/dir/f"), []byte("f"), 0o4755))
	check(os.Link(p("new/deep/dir/f"), p("new/f2")))
	check(os.Remove(p("lib")))
	check(os.Symlink("/usr/lib64", p("lib")))
	check(unix.Mkfifo(p("new/fifo"), 0o600))
	when := time.Date(2022, 3, 4, 5, 6, 7, 8, time.UTC)
	check(os.Chtimes(p("etc/motd"), when, when))
}

func TestDiffOverlayRoundTrip(t *testing.T) {
	needRoot(t)
	base := t.TempDir()
	lower, upper, work, merged := filepath.Join(base, "lower"), filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "merged")
	for _, d := range []string{lower, upper, work, merged} {
		os.Mkdir(d, 0o755)
	}
	mustApply(t, lower, baseLayer(t), OverlayWhiteouts)
	mountOverlay(t, merged, "lowerdir="+lower+",upperdir="+upper+",workdir="+work+",redirect_dir=off,metacopy=off")
	change(t, merged)
	want := describeTree(t, merged)

	var layer bytes.Buffer
	res, err := DiffOverlay(context.Background(), &layer, upper)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(layer.Bytes())
	if res.DiffID.Encoded() != hex.EncodeToString(sum[:]) || res.Size != int64(layer.Len()) {
		t.Errorf("DiffResult %+v does not match the tar written", res)
	}
	var again bytes.Buffer
	if _, err := DiffOverlay(context.Background(), &again, upper); err != nil || !bytes.Equal(again.Bytes(), layer.Bytes()) {
		t.Errorf("DiffOverlay is not deterministic (%v)", err)
	}
	checkTarNames(t, layer.Bytes(), "etc/.wh.hosts", "var/cache/.wh..wh..opq", ".wh.opt")

	// Copy mode: the flattened lower plus the diff is the merged view.
	flat := t.TempDir()
	mustApply(t, flat, baseLayer(t), CopyWhiteouts)
	mustApply(t, flat, layer.Bytes(), CopyWhiteouts)
	compareTrees(t, want, describeTree(t, flat))

	// Overlay mode: the diff unpacked as a layer of its own and stacked on
	// the lower shows the merged view too.
	top, view := filepath.Join(base, "top"), filepath.Join(base, "view")
	os.Mkdir(top, 0o755)
	os.Mkdir(view, 0o755)
	mustApply(t, top, layer.Bytes(), OverlayWhiteouts)
	mountOverlay(t, view, "lowerdir="+top+":"+lower)
	compareTrees(t, want, describeTree(t, view))
}

func TestDiffDirsRoundTrip(t *testing.T) {
	needRoot(t)
	old, new, flat := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{old, new, flat} {
		mustApply(t, d, baseLayer(t), CopyWhiteouts)
	}
	change(t, new)
	var layer bytes.Buffer
	res, err := DiffDirs(context.Background(), &layer, old, new)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(layer.Bytes())
	if res.DiffID.Encoded() != hex.EncodeToString(sum[:]) {
		t.Errorf("DiffID %s, want sha256 %x", res.DiffID, sum)
	}
	checkTarNames(t, layer.Bytes(), "etc/.wh.hosts", ".wh.opt", "var/cache/.wh.a")
	for _, n := range tarNames(t, layer.Bytes()) {
		if n == "usr/big" || n == "usr/" {
			t.Errorf("unchanged %s in the diff", n)
		}
	}
	mustApply(t, flat, layer.Bytes(), CopyWhiteouts)
	compareTrees(t, describeTree(t, new), describeTree(t, flat))
}

func mountOverlay(t *testing.T, target, opts string) {
	t.Helper()
	if err := unix.Mount("overlay", target, "overlay", 0, opts); err != nil {
		t.Skipf("overlayfs unavailable: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(target, unix.MNT_DETACH) })
}

func tarNames(t testing.TB, b []byte) []string {
	var names []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err != nil {
			break
		}
		names = append(names, hdr.Name)
	}
	return names
}

func checkTarNames(t testing.TB, b []byte, want ...string) {
	t.Helper()
	names := tarNames(t, b)
	for _, w := range want {
		found := false
		for _, n := range names {
			found = found || n == w
		}
		if !found {
			t.Errorf("no %s in the layer; it has %v", w, names)
		}
	}
}

// describeTree maps each path under root to what a layer carries of it.
func describeTree(t testing.TB, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	inodes := map[uint64]string{}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		st := lstat(t, p)
		d := fmt.Sprintf("mode=%o uid=%d gid=%d rdev=%d mtime=%d", st.Mode, st.Uid, st.Gid, st.Rdev, st.Mtim.Nano())
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			d += " data=" + readFile(t, p)
			if first, ok := inodes[st.Ino]; ok {
				d += " link=" + first
			} else if st.Nlink > 1 {
				inodes[st.Ino] = rel
			}
		case unix.S_IFLNK:
			target, _ := os.Readlink(p)
			d += " target=" + target
		}
		x, _ := readXattrs(p)
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k+"="+x[k])
		}
		sort.Strings(keys)
		out[rel] = d + " xattrs=" + strings.Join(keys, ",")
		return nil
	})
	return out
}

func compareTrees(t testing.TB, want, got map[string]string) {
	t.Helper()
	if reflect.DeepEqual(want, got) {
		return
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s:\n want %s\n got  %s", k, v, got[k])
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s", k, v)
		}
	}
}
