package archive

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// fuzzOuter is a fixed directory the seed layers aim at with absolute
// symlinks and hard links; every fuzz worker checks it stays as it was.
const fuzzOuter = "/tmp/hull-archive-fuzz-outer"

func prepareFuzzOuter(t testing.TB) {
	if err := os.MkdirAll(fuzzOuter, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(fuzzOuter, "sentinel"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		f.WriteString("original")
		f.Close()
	}
}

func checkFuzzOuter(t *testing.T) {
	names, err := readDirSorted(fuzzOuter)
	if err != nil || len(names) != 1 || names[0] != "sentinel" {
		t.Fatalf("%s now holds %v (%v)", fuzzOuter, names, err)
	}
	if b, err := os.ReadFile(filepath.Join(fuzzOuter, "sentinel")); err != nil || string(b) != "original" {
		t.Fatalf("sentinel changed: %q %v", b, err)
	}
	if getXattr(t, filepath.Join(fuzzOuter, "sentinel"), "user.pwned") != "" {
		t.Fatal("sentinel got an xattr")
	}
}

// FuzzApply feeds arbitrary streams to Apply in both modes: it may fail,
// but must not panic nor create or change anything outside its directory.
func FuzzApply(f *testing.F) {
	prepareFuzzOuter(f)
	for _, layer := range escapeLayers(f, fuzzOuter) {
		f.Add(layer)
	}
	f.Add(baseLayer(f))
	f.Add(tarOf(f, dirEntry("var/"), reg("var/.wh..wh..opq", ""), reg("var/.wh.x", ""), reg("var/new", "n")))
	var gz bytes.Buffer
	w, _ := Compress(&gz, Gzip)
	w.Write(tarOf(f, symlink("a", fuzzOuter), reg("a/sentinel", "pwned")))
	w.Close()
	f.Add(gz.Bytes())
	f.Add([]byte{})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0})

	f.Fuzz(func(t *testing.T, b []byte) {
		prepareFuzzOuter(t)
		for _, mode := range []WhiteoutMode{OverlayWhiteouts, CopyWhiteouts} {
			parent := t.TempDir()
			dir := filepath.Join(parent, "root")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			Apply(context.Background(), dir, bytes.NewReader(b), ApplyOptions{Whiteouts: mode, SkipUncreatableDevices: true})
			checkFuzzOuter(t)
			if names, _ := readDirSorted(parent); len(names) != 1 {
				t.Fatalf("Apply created %v beside its directory", names)
			}
		}
	})
}
