package content

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestGCKeepsReachable(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	// An image: index (root label) → manifest → config + layer.
	layer := put(t, s, []byte("layer bytes"), digest.SHA256, nil)
	config := put(t, s, []byte("config"), digest.SHA256, nil)
	manifest := put(t, s, []byte("manifest"), digest.SHA256, map[string]string{
		LabelGCRefPrefix + "config":  config.String(),
		LabelGCRefPrefix + "layer.0": layer.String(),
	})
	index := put(t, s, []byte("index"), digest.SHA512, map[string]string{
		LabelGCRoot:                     "2026-01-01",
		LabelGCRefPrefix + "manifest.0": manifest.String(),
		LabelGCRefPrefix + "missing":    digest.FromString("not here").String(),
		LabelGCRefPrefix + "junk":       "not a digest",
	})
	// A second tree kept only by an explicit root.
	pinned := put(t, s, []byte("pinned"), digest.SHA256, nil)
	// Garbage, including a cycle.
	a := digest.FromString("cycle a")
	b := put(t, s, []byte("cycle b"), digest.SHA256, map[string]string{LabelGCRefPrefix + "a": a.String()})
	put(t, s, []byte("cycle a"), digest.SHA256, map[string]string{LabelGCRefPrefix + "b": b.String()})
	lone := put(t, s, []byte("lone"), digest.SHA256, nil)

	res, err := s.GC(ctx, pinned)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(res.Removed)
	want := []digest.Digest{a, b, lone}
	slices.Sort(want)
	if !slices.Equal(res.Removed, want) || res.Bytes != int64(len("cycle a")+len("cycle b")+len("lone")) {
		t.Fatalf("GC removed %v (%d bytes), want %v", res.Removed, res.Bytes, want)
	}
	for _, d := range []digest.Digest{index, manifest, config, layer, pinned} {
		if err := s.Verify(ctx, d); err != nil {
			t.Errorf("kept blob: %v", err)
		}
	}
	if got := files(t, s.Root()+"/labels"); len(got) != 2 {
		t.Errorf("labels/ holds %v, want the index's and the manifest's", got)
	}
	u, _ := s.Usage(ctx)
	if u.Blobs != 5 {
		t.Errorf("%d blobs left", u.Blobs)
	}
}

func TestGCSweepsOrphanLabels(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := put(t, s, []byte("gone"), digest.SHA256, map[string]string{LabelGCRoot: "x"})
	os.Remove(s.blobPath(d)) // as if Delete died between its two steps
	if _, err := s.GC(ctx); err != nil {
		t.Fatal(err)
	}
	if got := files(t, s.Root()+"/labels"); len(got) != 0 {
		t.Fatalf("labels/ holds %v", got)
	}
}

func TestGCWaitsForWritersAndLeases(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	w, err := s.Ingest(ctx, "pull", "", UnknownSize)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.GC(short); !errors.Is(err, errdefs.ErrUnavailable) {
		t.Fatalf("GC during a write = %v; want unavailable", err)
	}
	w.Write([]byte("unreferenced, for now"))
	release, err := s.Lease(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
	done := make(chan GCResult)
	go func() {
		res, err := s.GC(ctx)
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	select {
	case <-done:
		t.Fatal("GC ran while a lease was held")
	case <-time.After(100 * time.Millisecond):
	}
	release()
	if res := <-done; len(res.Removed) != 1 {
		t.Fatalf("GC after the lease removed %v", res.Removed)
	}
}

func TestDelete(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := put(t, s, []byte("bye"), digest.SHA256, map[string]string{"a": "b"})
	if err := s.Delete(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, d); !errdefs.IsNotFound(err) {
		t.Fatalf("second Delete = %v", err)
	}
	if s.Exists(ctx, d) || len(files(t, s.Root()+"/labels")) != 0 {
		t.Fatal("Delete left something")
	}
}
