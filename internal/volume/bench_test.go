package volume

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkAcquireRelease is the cost a container's create and removal
// pay per volume: lock, reference file, unlock, twice.
func BenchmarkAcquireRelease(b *testing.B) {
	s := newStore(b)
	mustCreate(b, s, CreateOptions{Name: "bench"})
	for b.Loop() {
		if _, err := s.Acquire("bench", "c1"); err != nil {
			b.Fatal(err)
		}
		if err := s.Release("bench", "c1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPopulate fills a volume from a tree of 200 files in 20
// directories (about 2 MB), as a container's first start does.
func BenchmarkPopulate(b *testing.B) {
	s := newStore(b)
	src := b.TempDir()
	for i := range 200 {
		writeFile(b, filepath.Join(src, fmt.Sprintf("d%02d/f%03d", i%20, i)), strings.Repeat("x", 100*i))
	}
	i := 0
	for b.Loop() {
		name := fmt.Sprint("pop", i)
		i++
		mustCreate(b, s, CreateOptions{Name: name})
		if err := s.Populate(name, src); err != nil {
			b.Fatal(err)
		}
	}
}
