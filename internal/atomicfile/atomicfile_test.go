package atomicfile

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Both writers make a missing file, replace an existing one with the mode
// asked for, and leave no temporary file behind.
func TestWriteAndWriteVolatile(t *testing.T) {
	for name, write := range map[string]func(string, []byte, os.FileMode) error{"Write": Write, "WriteVolatile": WriteVolatile} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "state.json")
			for _, content := range []string{"first", "second, longer", "3"} {
				if err := write(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				got, err := os.ReadFile(path)
				if err != nil || string(got) != content {
					t.Fatalf("after writing %q: %q, %v", content, got, err)
				}
			}
			fi, err := os.Stat(path)
			if err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("mode: %v, %v; want 0644", fi, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("files left: %v", entries)
			}
		})
	}
}

// A reader racing a writer sees one whole version or the other, never a
// mix or an empty file.
func TestWriteVolatileIsAtomicForReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	a, b := bytes.Repeat([]byte("a"), 6000), bytes.Repeat([]byte("b"), 9000)
	if err := WriteVolatile(path, a, 0o600); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range 300 {
			data := a
			if i%2 == 0 {
				data = b
			}
			if err := WriteVolatile(path, data, 0o600); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for range 1000 {
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, a) && !bytes.Equal(got, b) {
			t.Fatalf("read %d bytes that are neither version", len(got))
		}
	}
	wg.Wait()
}
