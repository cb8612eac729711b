package archive

import (
	"archive/tar"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// escapeLayers are layers that try to write outside the unpack directory.
// outer is the directory holding both the unpack directory and the
// sentinel file the attacks aim at.
func escapeLayers(t testing.TB, outer string) map[string][]byte {
	sentinel := filepath.Join(outer, "sentinel")
	return map[string][]byte{
		"dotdot":               tarOf(t, reg("../sentinel", "pwned")),
		"dotdot deep":          tarOf(t, reg("a/../../sentinel", "pwned")),
		"absolute":             tarOf(t, reg(sentinel, "pwned")),
		"absolute symlink dir": tarOf(t, symlink("a", outer), reg("a/sentinel", "pwned"), reg("a/new", "pwned")),
		"relative symlink dir": tarOf(t, symlink("a", "../../../../../.."+outer), reg("a/sentinel", "pwned")),
		"symlink chain":        tarOf(t, symlink("a", "b"), symlink("b", outer), reg("a/sentinel", "pwned")),
		"symlink then file":    tarOf(t, symlink("s", sentinel), reg("s", "pwned")),
		"symlink then dir":     tarOf(t, symlink("d", outer), dirEntry("d/"), reg("d/sentinel", "pwned")),
		"hardlink dotdot":      tarOf(t, hardlink("h", "../sentinel")),
		"hardlink absolute":    tarOf(t, hardlink("h", sentinel), reg("h", "pwned")),
		"hardlink via symlink": tarOf(t, symlink("a", outer), hardlink("h", "a/sentinel")),
		"hardlink to symlink":  tarOf(t, symlink("s", sentinel), hardlink("h", "s"), reg("h", "pwned")),
		"whiteout via symlink": tarOf(t, symlink("a", outer), reg("a/.wh.sentinel", "")),
		"opaque via symlink":   tarOf(t, symlink("a", outer), reg("a/.wh..wh..opq", "")),
		"whiteout dotdot":      tarOf(t, reg(".wh...", "")),
		"whiteout of parent":   tarOf(t, dirEntry("x/"), reg("x/.wh...", "")),
		"xattr via symlink":    tarOf(t, symlink("s", sentinel), withXattr(reg("s", "x"), "user.pwned", "1")),
		"device via symlink":   tarOf(t, symlink("a", outer), entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "a/sentinel", Mode: 0o666, Devmajor: 1, Devminor: 3}}),
		"long name":            tarOf(t, reg(strings.Repeat("a/", 3000)+"f", "x")),
	}
}

func withXattr(e entry, k, v string) entry {
	e.hdr.PAXRecords = map[string]string{"SCHILY.xattr." + k: v}
	return e
}

func TestApplyNeverWritesOutside(t *testing.T) {
	needRoot(t)
	for _, mode := range []WhiteoutMode{OverlayWhiteouts, CopyWhiteouts} {
		outer := t.TempDir()
		for name, layer := range escapeLayers(t, outer) {
			t.Run(modeName(mode)+"/"+name, func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "root")
				os.Mkdir(dir, 0o755)
				checkNoEscape(t, outer, func() { applyBytes(t, dir, layer, mode) })
			})
		}
	}
}

// checkNoEscape runs apply between two snapshots of outer, which must
// hold only the sentinel file afterwards, unchanged.
func checkNoEscape(t testing.TB, outer string, apply func()) {
	t.Helper()
	sentinel := filepath.Join(outer, "sentinel")
	if err := os.WriteFile(sentinel, []byte("original"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, outer, "")
	apply()
	after := snapshotTree(t, outer, "")
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("outside dir changed:\nbefore %v\nafter  %v", before, after)
	}
	if v := getXattr(t, sentinel, "user.pwned"); v != "" {
		t.Fatal("xattr set on the sentinel")
	}
}

func modeName(m WhiteoutMode) string {
	if m == CopyWhiteouts {
		return "copy"
	}
	return "overlay"
}

func TestApplyDotDotIsAnError(t *testing.T) {
	if _, err := applyBytes(t, t.TempDir(), tarOf(t, reg("a/../../x", "")), CopyWhiteouts); err == nil {
		t.Fatal("a name with .. was accepted")
	}
}

func TestApplySymlinkDirResolvesInside(t *testing.T) {
	needRoot(t)
	outer := t.TempDir()
	dir := filepath.Join(outer, "root")
	os.Mkdir(dir, 0o755)
	mustApply(t, dir, tarOf(t, symlink("etc", "/real-etc"), dirEntry("real-etc/"), reg("etc/passwd", "root:x:0:0::/:/bin/sh\n")), CopyWhiteouts)
	if got := readFile(t, filepath.Join(dir, "real-etc/passwd")); !strings.HasPrefix(got, "root:") {
		t.Errorf("etc/passwd through an absolute symlink landed elsewhere: %q", got)
	}
}
