package engine

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A tree written by ArchivePath and read back by ExtractArchive is the
// same tree: files, modes, symlinks as links, hard links as links.
func TestArchiveRoundTrip(t *testing.T) {
	src := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(src, "d", "sub"), 0o750))
	must(t, os.WriteFile(filepath.Join(src, "d", "f"), []byte("data"), 0o640))
	must(t, os.Link(filepath.Join(src, "d", "f"), filepath.Join(src, "d", "sub", "hard")))
	must(t, os.Symlink("/etc/passwd", filepath.Join(src, "d", "abs")))
	var buf bytes.Buffer
	must(t, ArchivePath(&buf, filepath.Join(src, "d"), "copy", false))
	if got := strings.Join(entryNames(t, buf.Bytes()), " "); got != "copy/ copy/abs copy/f copy/sub/ copy/sub/hard" {
		t.Errorf("entries: %s", got)
	}
	dst := t.TempDir()
	must(t, ExtractArchive(context.Background(), bytes.NewReader(buf.Bytes()), dst, ExtractOptions{}))
	if b, _ := os.ReadFile(filepath.Join(dst, "copy", "f")); string(b) != "data" {
		t.Errorf("file: %q", b)
	}
	st, _ := os.Stat(filepath.Join(dst, "copy", "f"))
	hard, _ := os.Stat(filepath.Join(dst, "copy", "sub", "hard"))
	if st == nil || st.Mode().Perm() != 0o640 || !os.SameFile(st, hard) {
		t.Errorf("mode %v, hard link kept: %v", st.Mode(), os.SameFile(st, hard))
	}
	if target, _ := os.Readlink(filepath.Join(dst, "copy", "abs")); target != "/etc/passwd" {
		t.Errorf("symlink: %q", target)
	}
}

// ExtractArchive renames the first component and sets the owner it is
// asked to.
func TestExtractRename(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o700})
	tw.WriteHeader(&tar.Header{Name: "./a", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1, Uid: 1234})
	tw.Write([]byte("a"))
	tw.Close()
	dst := t.TempDir()
	os.Chmod(dst, 0o755)
	opts := ExtractOptions{From: ".", To: "named", Owner: &[2]int{os.Getuid(), os.Getgid()}}
	must(t, ExtractArchive(context.Background(), &buf, dst, opts))
	st, err := os.Stat(filepath.Join(dst, "named", "a"))
	if err != nil {
		t.Fatal(err)
	}
	if uid := fileUID(st); uid != os.Getuid() {
		t.Errorf("owner %d, want %d", uid, os.Getuid())
	}
}

// An archive from a container is hostile: a symlink it plants leads
// nowhere outside the destination, and it may not replace a directory with
// a file.
func TestExtractHostileArchive(t *testing.T) {
	outside := t.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "x", Typeflag: tar.TypeSymlink, Linkname: outside})
	tw.WriteHeader(&tar.Header{Name: "x/escaped", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	tw.Write([]byte("!"))
	tw.Close()
	dst := t.TempDir()
	ExtractArchive(context.Background(), &buf, dst, ExtractOptions{})
	if _, err := os.Stat(filepath.Join(outside, "escaped")); err == nil {
		t.Fatal("an archive wrote through its own symlink to outside the destination")
	}

	must(t, os.Mkdir(filepath.Join(dst, "keep"), 0o755))
	must(t, os.WriteFile(filepath.Join(dst, "keep", "precious"), nil, 0o644))
	buf.Reset()
	tw = tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "keep", Typeflag: tar.TypeReg, Mode: 0o644})
	tw.Close()
	err := ExtractArchive(context.Background(), &buf, dst, ExtractOptions{})
	if err == nil || !strings.Contains(err.Error(), "cannot overwrite directory") {
		t.Errorf("a file over a directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "keep", "precious")); err != nil {
		t.Errorf("the directory's content is gone: %v", err)
	}
}

// Entries that climb out of the destination with ".." are refused.
func TestMoveEntry(t *testing.T) {
	for name, want := range map[string]string{"a/b": "/dst/a/b", "/a": "/dst/a", "./a": "/dst/a"} {
		hdr := &tar.Header{Name: name}
		if err := moveEntry(hdr, "/dst"); err != nil || hdr.Name != want {
			t.Errorf("%q: %q %v, want %q", name, hdr.Name, err, want)
		}
	}
	if err := moveEntry(&tar.Header{Name: "a/../../etc"}, "/dst"); err == nil {
		t.Error("an entry with .. was moved")
	}
	if err := moveEntry(&tar.Header{Name: "./"}, "/dst"); err != errSkipEntry {
		t.Errorf("the destination's own entry: %v, want it skipped", err)
	}
}

func TestArchiveName(t *testing.T) {
	for p, want := range map[string]string{"/etc/hosts": "hosts", "/etc/": "etc", "/etc/.": ".", "/": ".", "data": "data"} {
		if got := archiveName(p); got != want {
			t.Errorf("%q: %q, want %q", p, got, want)
		}
	}
}

func entryNames(t *testing.T, b []byte) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, hdr.Name)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func fileUID(st os.FileInfo) int {
	return int(st.Sys().(*syscall.Stat_t).Uid)
}
