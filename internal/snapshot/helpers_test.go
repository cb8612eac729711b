package snapshot

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var drivers = []Driver{DriverOverlay, DriverCopy}

func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("needs root to mount")
	}
}

// newStore opens a store in a fresh temporary directory and checks, after
// everything else the test registered, that nothing stays mounted there.
func newStore(tb testing.TB, d Driver) *Store {
	tb.Helper()
	requireRoot(tb)
	root := tb.TempDir()
	tb.Cleanup(func() { assertNoMounts(tb, root) })
	return openStore(tb, root, d)
}

func openStore(tb testing.TB, root string, d Driver) *Store {
	tb.Helper()
	s, err := Open(root, Options{Driver: d})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func assertNoMounts(tb testing.TB, dir string) {
	tb.Helper()
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir) {
			tb.Errorf("still mounted: %s", fields[4])
		}
	}
}

// mountAt mounts m on a fresh directory and unmounts it at cleanup.
func mountAt(tb testing.TB, m []specs.Mount) string {
	tb.Helper()
	target := tb.TempDir()
	if err := Mount(m, target); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := Unmount(target); err != nil {
			tb.Error(err)
		}
	})
	return target
}

// change writes files under dir; a value of "-" deletes the path instead.
func change(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if content == "-" {
			if err := os.RemoveAll(p); err != nil {
				tb.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
}

// layer commits name on parent with the given changes, the way an
// unpacker would: prepare, mount, write, unmount, commit.
func layer(tb testing.TB, s *Store, name, parent string, files map[string]string) {
	tb.Helper()
	ctx := context.Background()
	m, err := s.Prepare(ctx, "extract-"+name, parent)
	if err != nil {
		tb.Fatal(err)
	}
	target := tb.TempDir()
	if err := Mount(m, target); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { Unmount(target) }) // in case the test stops early
	change(tb, target, files)
	if err := Unmount(target); err != nil {
		tb.Fatal(err)
	}
	if err := s.Commit(ctx, name, "extract-"+name); err != nil {
		tb.Fatal(err)
	}
}

// expect checks file contents under dir; "-" means the path must not exist.
func expect(tb testing.TB, dir string, files map[string]string) {
	tb.Helper()
	for name, want := range files {
		b, err := os.ReadFile(filepath.Join(dir, name))
		switch {
		case want == "-" && !os.IsNotExist(err):
			tb.Errorf("%s: exists (err %v), want it gone", name, err)
		case want != "-" && err != nil:
			tb.Errorf("%s: %v", name, err)
		case want != "-" && string(b) != want:
			tb.Errorf("%s = %q, want %q", name, b, want)
		}
	}
}
