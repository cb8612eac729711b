package volume

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestPrune(t *testing.T) {
	s := newStore(t)
	a1 := mustCreate(t, s, CreateOptions{})
	a2 := mustCreate(t, s, CreateOptions{})
	mustCreate(t, s, CreateOptions{Name: "named"})
	mustCreate(t, s, CreateOptions{Name: "kept", Labels: map[string]string{"keep": "yes"}})
	writeFile(t, filepath.Join(a1.Mountpoint, "data"), strings.Repeat("x", 1000))
	mustAcquire(t, s, a2.Name, "c1")

	prune := func(opts PruneOptions, want []string, bytes uint64) {
		t.Helper()
		rep, err := s.Prune(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(rep.VolumesDeleted)
		if !slices.Equal(rep.VolumesDeleted, want) || rep.SpaceReclaimed != bytes {
			t.Errorf("prune %+v: removed %v (%d bytes), want %v (%d bytes)", opts, rep.VolumesDeleted, rep.SpaceReclaimed, want, bytes)
		}
	}
	prune(PruneOptions{}, []string{a1.Name}, 1000)
	prune(PruneOptions{All: true, NotLabels: []string{"keep=yes"}}, []string{"named"}, 0)
	prune(PruneOptions{All: true, Labels: []string{"keep=no"}}, nil, 0)
	prune(PruneOptions{All: true, Labels: []string{"keep"}}, []string{"kept"}, 0)
	prune(PruneOptions{All: true}, nil, 0)
	if err := s.Release(a2.Name, "c1"); err != nil {
		t.Fatal(err)
	}
	prune(PruneOptions{}, []string{a2.Name}, 0)
	if vs, _ := s.List(ListFilter{}); len(vs) != 0 {
		t.Errorf("left %d volumes", len(vs))
	}
}

func TestPruneCancelled(t *testing.T) {
	s := newStore(t)
	mustCreate(t, s, CreateOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	rep, err := s.Prune(ctx, PruneOptions{})
	if err == nil || len(rep.VolumesDeleted) != 0 {
		t.Errorf("cancelled prune: %+v %v", rep, err)
	}
}

func TestUsage(t *testing.T) {
	s := newStore(t)
	v := mustCreate(t, s, CreateOptions{Name: "sized"})
	if n, err := s.Usage("sized"); err != nil || n != 0 {
		t.Fatalf("empty volume: %d %v", n, err)
	}
	writeFile(t, filepath.Join(v.Mountpoint, "a"), strings.Repeat("a", 100))
	writeFile(t, filepath.Join(v.Mountpoint, "sub/deeper/b"), strings.Repeat("b", 50))
	if err := os.Link(filepath.Join(v.Mountpoint, "a"), filepath.Join(v.Mountpoint, "sub/a-again")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(v.Mountpoint, "link")); err != nil {
		t.Fatal(err)
	}
	// A symlink to a directory outside is not walked into.
	if err := os.Symlink("/usr", filepath.Join(v.Mountpoint, "usr")); err != nil {
		t.Fatal(err)
	}
	want := int64(100 + 50 + len("/etc/passwd") + len("/usr"))
	if n, err := s.Usage("sized"); err != nil || n != want {
		t.Errorf("usage %d %v, want %d", n, err, want)
	}
	_, err := s.Usage("nope")
	wantKind(t, err, errdefs.ErrNotFound, "usage of a missing volume")
}

// Removing a plain volume with something mounted in its data (not the
// store's own mount) is refused rather than deleting through the mount,
// also when the store is opened through a symlink (mountinfo spells real
// paths).
func TestRemoveRefusesForeignMount(t *testing.T) {
	needRoot(t)
	real := newStore(t)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real.Root(), link); err != nil {
		t.Fatal(err)
	}
	s, err := Open(link)
	if err != nil {
		t.Fatal(err)
	}
	v := mustCreate(t, s, CreateOptions{Name: "covered"})
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "precious"), "keep")
	sub := filepath.Join(v.Mountpoint, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(other, sub, "", unix.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	defer unix.Unmount(sub, unix.MNT_DETACH)
	err = s.Remove("covered")
	wantKind(t, err, errdefs.ErrConflict, "remove over a foreign mount")
	if b, err := os.ReadFile(filepath.Join(other, "precious")); err != nil || string(b) != "keep" {
		t.Errorf("data behind the mount: %q %v", b, err)
	}
	if _, err := s.Get("covered"); err != nil {
		t.Errorf("volume gone after a refused remove: %v", err)
	}
	if err := unix.Unmount(sub, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove("covered"); err != nil {
		t.Fatal(err)
	}
}
