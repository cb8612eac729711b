package snapshot

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// A volatile snapshot never rewrites the durable metadata file, survives
// reopening like any other, and after a power loss that tore its file it is
// simply gone, its directory left for Cleanup.
func TestVolatileSnapshotKeepsDurableFileUntouched(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", map[string]string{"a": "1"})
	before, err := os.ReadFile(s.metadataPath())
	must(t, err)

	if _, err := s.Prepare(ctx, "ctr", "base", WithVolatile()); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(s.metadataPath())
	must(t, err)
	if !bytes.Equal(before, after) {
		t.Fatal("preparing a volatile snapshot rewrote metadata.json")
	}
	reopened := openStore(t, s.Root(), DriverOverlay)
	info, err := reopened.Stat(ctx, "ctr")
	must(t, err)
	if !info.Volatile || info.Parent != "base" {
		t.Fatalf("reopened store sees %+v, want a volatile snapshot on base", info)
	}
	m, err := reopened.Mounts(ctx, "ctr")
	must(t, err)
	dir := mountAt(t, m)
	if b, err := os.ReadFile(filepath.Join(dir, "a")); err != nil || string(b) != "1" {
		t.Fatalf("volatile snapshot shows a=%q, %v", b, err)
	}

	// A power loss tears the volatile file: the store still opens, the
	// snapshot is gone and Cleanup takes its directory.
	must(t, os.WriteFile(s.volatilePath(), []byte(`{"snaps`), 0o600))
	if s.Exists(ctx, "ctr") {
		t.Fatal("a snapshot of a torn volatile file is still listed")
	}
	must(t, Unmount(dir))
	must(t, s.Cleanup(ctx))
	checkConsistent(t, s.Root())
	if _, err := s.Stat(ctx, "base"); err != nil {
		t.Fatalf("the durable snapshot suffered: %v", err)
	}
}

// Removing a volatile snapshot and committing one both work, and a
// committed one is durable.
func TestVolatileRemoveAndCommit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", map[string]string{"a": "1"})
	for _, k := range []string{"gone", "kept"} {
		if _, err := s.Prepare(ctx, k, "base", WithVolatile()); err != nil {
			t.Fatal(err)
		}
	}
	must(t, s.Remove(ctx, "gone"))
	must(t, s.Commit(ctx, "layer2", "kept"))
	md, err := os.ReadFile(s.metadataPath())
	must(t, err)
	if !bytes.Contains(md, []byte(`"layer2"`)) {
		t.Fatal("a committed volatile snapshot is not in the durable file")
	}
	info, err := s.Stat(ctx, "layer2")
	must(t, err)
	if info.Volatile {
		t.Fatal("a committed snapshot is still volatile")
	}
	if s.Exists(ctx, "gone") || s.Exists(ctx, "kept") {
		t.Fatal("removed or committed keys are still listed")
	}
	checkConsistent(t, s.Root())
}

// The volatile file is rewritten in place: its inode stays the same, and a
// writer killed after writing a shorter content but before truncating the
// file leaves blanks, which still parse, not the old content's tail.
func TestVolatileFileRewrittenInPlace(t *testing.T) {
	ctx := context.Background()
	s := newStore(t, DriverOverlay)
	layer(t, s, "base", "", nil)
	for _, k := range []string{"c1", "c2"} {
		if _, err := s.Prepare(ctx, k, "base", WithVolatile()); err != nil {
			t.Fatal(err)
		}
	}
	var before unix.Stat_t
	must(t, unix.Stat(s.volatilePath(), &before))
	long, err := os.ReadFile(s.volatilePath())
	must(t, err)
	must(t, s.Remove(ctx, "c2"))
	var after unix.Stat_t
	must(t, unix.Stat(s.volatilePath(), &after))
	if after.Ino != before.Ino {
		t.Errorf("volatile file replaced (inode %d, then %d), not rewritten", before.Ino, after.Ino)
	}

	// What a writer killed before its truncation leaves: the shorter
	// record of c1 alone, padded to the length of both records.
	must(t, s.Remove(ctx, "c1"))
	short, err := os.ReadFile(s.volatilePath())
	must(t, err)
	if len(short) >= len(long) {
		t.Fatalf("removing a record did not shorten the file: %d then %d bytes", len(long), len(short))
	}
	if _, err := s.Prepare(ctx, "c1", "base", WithVolatile()); err != nil {
		t.Fatal(err)
	}
	one, err := os.ReadFile(s.volatilePath())
	must(t, err)
	torn := append(one, bytes.Repeat([]byte{' '}, len(long)-len(one))...)
	must(t, os.WriteFile(s.volatilePath(), torn, 0o600))
	if info, err := s.Stat(ctx, "c1"); err != nil || !info.Volatile {
		t.Fatalf("after an interrupted rewrite: %+v, %v", info, err)
	}
}
