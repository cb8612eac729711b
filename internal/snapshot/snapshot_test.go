package snapshot

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// threeLayers commits base ← mid ← top and returns the merged contents
// expected on top: later layers win, deletions hide lower files.
func threeLayers(t *testing.T, s *Store) map[string]string {
	layer(t, s, "base", "", map[string]string{"a": "1", "b": "1", "dir/x": "1", "gone/y": "1"})
	layer(t, s, "mid", "base", map[string]string{"b": "2", "c": "2", "a": "-", "gone": "-"})
	layer(t, s, "top", "mid", map[string]string{"c": "3", "d": "3", "dir/z": "3"})
	return map[string]string{"a": "-", "b": "2", "c": "3", "d": "3", "dir/x": "1", "dir/z": "3", "gone/y": "-"}
}

func TestChainMergedView(t *testing.T) {
	for _, d := range drivers {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, d)
			want := threeLayers(t, s)
			m, err := s.Prepare(ctx, "ctr", "top")
			if err != nil {
				t.Fatal(err)
			}
			root := mountAt(t, m)
			expect(t, root, want)

			// Writes land in the active snapshot, never in a layer.
			change(t, root, map[string]string{"b": "ctr", "new": "ctr", "dir/x": "-"})
			expect(t, root, map[string]string{"b": "ctr", "new": "ctr", "dir/x": "-"})
			l, err := s.Layers(ctx, "ctr")
			if err != nil {
				t.Fatal(err)
			}
			expect(t, l.Upper, map[string]string{"new": "ctr", "b": "ctr"})
			v, err := s.View(ctx, "look", "top")
			if err != nil {
				t.Fatal(err)
			}
			expect(t, mountAt(t, v), want)
			if l.Whole != (d == DriverCopy) || len(l.Lowers) == 0 {
				t.Errorf("Layers = %+v", l)
			}
		})
	}
}

func TestContainersAreIndependent(t *testing.T) {
	for _, d := range drivers {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t, d)
			threeLayers(t, s)
			ma, err := s.Prepare(ctx, "a", "top")
			if err != nil {
				t.Fatal(err)
			}
			mb, err := s.Prepare(ctx, "b", "top")
			if err != nil {
				t.Fatal(err)
			}
			ra, rb := mountAt(t, ma), mountAt(t, mb)
			change(t, ra, map[string]string{"only-a": "a", "b": "from a"})
			expect(t, rb, map[string]string{"only-a": "-", "b": "2"})
			expect(t, ra, map[string]string{"only-a": "a", "b": "from a"})
		})
	}
}

func TestViewIsReadOnly(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	threeLayers(t, s)
	m, err := s.View(ctx, "v", "top")
	if err != nil {
		t.Fatal(err)
	}
	err = os.WriteFile(filepath.Join(mountAt(t, m), "x"), nil, 0o644)
	if err == nil {
		t.Fatal("wrote into a view")
	}
	if err := s.Commit(ctx, "c", "v"); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("Commit(view) = %v, want invalid argument", err)
	}
}

func TestRemoveParentRefused(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	threeLayers(t, s)
	if _, err := s.Prepare(ctx, "ctr", "top"); err != nil {
		t.Fatal(err)
	}
	err := s.Remove(ctx, "top")
	if !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("Remove(top) = %v, want conflict", err)
	}
	t.Log(err)
	for _, k := range []string{"ctr", "top", "mid", "base"} {
		if err := s.Remove(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(s.Root(), "snapshots"))
	if len(entries) != 0 {
		t.Errorf("%d snapshot directories left", len(entries))
	}
}

func TestMountedSnapshotCannotChange(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", map[string]string{"a": "1"})
	m, err := s.Prepare(ctx, "ctr", "base")
	if err != nil {
		t.Fatal(err)
	}
	mountAt(t, m)
	if err := s.Commit(ctx, "l", "ctr"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("Commit while mounted = %v, want conflict", err)
	}
	if err := s.Remove(ctx, "ctr"); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("Remove while mounted = %v, want conflict", err)
	}
}

func TestCommitExistingLayer(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "sha256:c1", "", map[string]string{"a": "1"})
	if !s.Exists(ctx, "sha256:c1") || s.Exists(ctx, "sha256:c2") {
		t.Fatal("Exists is wrong")
	}
	if _, err := s.Prepare(ctx, "again", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(ctx, "sha256:c1", "again"); !errors.Is(err, errdefs.ErrAlreadyExists) {
		t.Fatalf("Commit onto existing name = %v", err)
	}
	if info, err := s.Stat(ctx, "again"); err != nil || info.Kind != KindActive {
		t.Fatalf("Stat(again) = %+v, %v; want it untouched", info, err)
	}
	if _, err := s.Prepare(ctx, "x", "again"); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("Prepare on an active parent = %v", err)
	}
	if _, err := s.Prepare(ctx, "x", "nope"); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("Prepare on a missing parent = %v", err)
	}
}

func TestReopenKeepsMetadata(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverCopy)
	layer(t, s, "base", "", map[string]string{"a": "1"})
	if _, err := s.Prepare(ctx, "ctr", "base", WithLabels(map[string]string{"k": "v"})); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.Stat(ctx, "ctr"); err != nil {
		t.Fatalf("reads still work after Close: %v", err)
	}
	if _, err := s.Prepare(ctx, "x", ""); err == nil {
		t.Fatal("Prepare after Close worked")
	}

	s2 := openStore(t, s.Root(), "")
	if s2.Driver() != DriverCopy {
		t.Errorf("reopened driver = %s, want copy", s2.Driver())
	}
	var got []Info
	s2.Walk(ctx, func(i Info) error { got = append(got, i); return nil })
	if len(got) != 2 || got[0].Name != "base" || got[1].Name != "ctr" ||
		got[1].Parent != "base" || got[1].Labels["k"] != "v" || got[0].Kind != KindCommitted {
		t.Fatalf("Walk after reopen = %+v", got)
	}
	if _, err := Open(s.Root(), Options{Driver: DriverOverlay}); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("reopening with another driver = %v", err)
	}
}

func TestUsageCountsBytes(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", map[string]string{"small": "x"})
	m, err := s.Prepare(ctx, "ctr", "base")
	if err != nil {
		t.Fatal(err)
	}
	root := mountAt(t, m)
	before, err := s.Usage(ctx, "ctr")
	if err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(root, "big")
	if err := os.WriteFile(big, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(big, filepath.Join(root, "big2")); err != nil {
		t.Fatal(err)
	}
	after, err := s.Usage(ctx, "ctr")
	if err != nil {
		t.Fatal(err)
	}
	if grew := after.Size - before.Size; grew < 1<<20 || grew > 2<<20-1 {
		t.Errorf("usage grew by %d bytes, want 1 MiB (links counted once)", grew)
	}
	if after.Inodes != before.Inodes+1 {
		t.Errorf("inodes %d → %d, want one more", before.Inodes, after.Inodes)
	}
}
