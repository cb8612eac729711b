package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// The test binary doubles as a second hull process: run with
// HULL_VOLUME_HELPER set, it does one job on a store and exits instead of
// running the tests.
func TestMain(m *testing.M) {
	if mode := os.Getenv("HULL_VOLUME_HELPER"); mode != "" {
		if err := helper(mode); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func helper(mode string) error {
	s, err := Open(os.Getenv("HELPER_ROOT"))
	if err != nil {
		return err
	}
	name, id := os.Getenv("HELPER_NAME"), os.Getenv("HELPER_ID")
	n, _ := strconv.Atoi(os.Getenv("HELPER_N"))
	switch mode {
	case "acquire":
		return acquireLoop(s, name, id, n)
	case "create":
		v, err := s.Create(CreateOptions{Name: name, Labels: map[string]string{"by": id}})
		if err != nil {
			return err
		}
		fmt.Println(v.Name)
		return nil
	case "create-many":
		for i := 0; ; i++ {
			if _, err := s.Create(CreateOptions{Name: fmt.Sprintf("v%d", i), Options: tmpfsOptions}); err != nil {
				return err
			}
			fmt.Println(i)
		}
	case "populate":
		fmt.Println("start")
		return s.Populate(name, os.Getenv("HELPER_SRC"))
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// acquireLoop takes and drops the volume n times as container id, checking
// on each turn that a volume it holds is whole, and stops early when the
// volume is gone.
func acquireLoop(s *Store, name, id string, n int) error {
	for i := range n {
		host, err := s.Acquire(name, id)
		if errdefs.IsNotFound(err) {
			fmt.Println("gone", i)
			return nil
		}
		if err != nil {
			return err
		}
		users, err := s.Users(name)
		if err != nil {
			return fmt.Errorf("turn %d: volume vanished while held: %w", i, err)
		}
		if !slices.Contains(users, id) {
			return fmt.Errorf("turn %d: users %v lack %s", i, users, id)
		}
		if err := os.WriteFile(filepath.Join(host, id), []byte("x"), 0o644); err != nil {
			return fmt.Errorf("turn %d: writing while held: %w", i, err)
		}
		if err := os.Remove(filepath.Join(host, id)); err != nil {
			return err
		}
		if err := s.Release(name, id); err != nil {
			return err
		}
		if i == 0 {
			fmt.Println("ready")
		}
		// Time off the volume, so that a Remove can find it unused.
		for range 5 {
			s.List(ListFilter{})
		}
	}
	fmt.Println("done", n)
	return nil
}

var tmpfsOptions = map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=1m"}

// newStore opens a store in a fresh directory. Anything still mounted
// beneath it at the end is detached before the directory is deleted, so a
// failing test cannot delete a bind volume's device through its mount.
func newStore(t testing.TB) *Store {
	t.Helper()
	root := filepath.Join(t.TempDir(), "volumes")
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ms, _ := mountsUnder(root)
		for _, m := range slices.Backward(ms) {
			unix.Unmount(m, unix.MNT_DETACH)
		}
	})
	return s
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

func mustCreate(t testing.TB, s *Store, opts CreateOptions) *Volume {
	t.Helper()
	v, err := s.Create(opts)
	if err != nil {
		t.Fatalf("create %+v: %v", opts, err)
	}
	return v
}

func mustAcquire(t testing.TB, s *Store, name, id string) string {
	t.Helper()
	host, err := s.Acquire(name, id)
	if err != nil {
		t.Fatalf("acquire %s for %s: %v", name, id, err)
	}
	return host
}

func wantKind(t testing.TB, err, kind error, what string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s: got %v, want %v", what, err, kind)
	}
}

func writeFile(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func isMounted(t testing.TB, dir string) bool {
	t.Helper()
	ok, err := mounted(dir)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}
