package archive

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOverlayWhiteouts(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	mustApply(t, dir, tarOf(t, dirEntry("etc/"), reg("etc/.wh.motd", ""), dirEntry("var/"), reg("var/.wh..wh..opq", ""), reg("var/new", "n"), reg(".wh..wh.plnk", "")), OverlayWhiteouts)
	if st := lstat(t, filepath.Join(dir, "etc/motd")); st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("etc/motd mode %o rdev %d, want a 0/0 char device", st.Mode, st.Rdev)
	}
	if v := getXattr(t, filepath.Join(dir, "var"), "trusted.overlay.opaque"); v != "y" {
		t.Errorf("var opaque xattr = %q", v)
	}
	if readFile(t, filepath.Join(dir, "var/new")) != "n" {
		t.Error("var/new missing")
	}
	if _, err := os.Lstat(filepath.Join(dir, ".wh..wh.plnk")); err == nil {
		t.Error("AUFS metadata was written")
	}
}

// lowerTree is what earlier layers left in dir before a copy-mode apply.
func lowerTree(t *testing.T) string {
	dir := t.TempDir()
	mustApply(t, dir, tarOf(t,
		dirEntry("etc/"), reg("etc/motd", "m"), reg("etc/hosts", "h"),
		dirEntry("var/"), reg("var/old", "o"), dirEntry("var/sub/"), reg("var/sub/old", "o"),
		dirEntry("gone/"), reg("gone/f", "f"),
	), CopyWhiteouts)
	return dir
}

func TestCopyWhiteouts(t *testing.T) {
	needRoot(t)
	layers := map[string][]entry{
		"opaque first": {reg("var/.wh..wh..opq", ""), dirEntry("var/"), reg("var/new", "n"), dirEntry("var/sub/"), reg("var/sub/new", "n")},
		"opaque last":  {dirEntry("var/"), reg("var/new", "n"), dirEntry("var/sub/"), reg("var/sub/new", "n"), reg("var/.wh..wh..opq", "")},
		"opaque mid":   {dirEntry("var/"), reg("var/new", "n"), reg("var/.wh..wh..opq", ""), dirEntry("var/sub/"), reg("var/sub/new", "n")},
	}
	for name, l := range layers {
		t.Run(name, func(t *testing.T) {
			dir := lowerTree(t)
			l = append(l, reg("etc/.wh.motd", ""), reg(".wh.gone", ""), reg("nowhere/.wh.x", ""))
			mustApply(t, dir, tarOf(t, l...), CopyWhiteouts)
			want := []string{"etc", "etc/hosts", "var", "var/new", "var/sub", "var/sub/new"}
			if got := listTree(t, dir); !equalStrings(got, want) {
				t.Errorf("tree %v, want %v", got, want)
			}
		})
	}
}

func TestCopyWhiteoutKeepsSameLayerEntry(t *testing.T) {
	needRoot(t)
	dir := lowerTree(t)
	// The OCI spec: a whiteout hides lower layers only, not its own layer.
	mustApply(t, dir, tarOf(t, reg("etc/issue", "i"), reg("etc/.wh.issue", ""), dirEntry("gone/"), reg("gone/mine", "x"), reg(".wh.gone", "")), CopyWhiteouts)
	if readFile(t, filepath.Join(dir, "etc/issue")) != "i" || readFile(t, filepath.Join(dir, "gone/mine")) != "x" {
		t.Error("an entry of the same layer was whited out")
	}
	if _, err := os.Lstat(filepath.Join(dir, "gone/f")); err == nil {
		t.Error("gone/f of the lower layer survived the whiteout of gone")
	}
}

// listTree lists the relative paths under dir, sorted.
func listTree(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
