package content

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// corruptOnDisk changes a committed blob's bytes behind the store's back.
func corruptOnDisk(t *testing.T, s *Local, dgst digest.Digest, edit func([]byte) []byte) {
	t.Helper()
	path := s.blobPath(dgst)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, edit(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCorruptionDetected(t *testing.T) {
	edits := map[string]func([]byte) []byte{
		"flipped bit": func(b []byte) []byte { b[len(b)/2] ^= 1; return b },
		"truncated":   func(b []byte) []byte { return b[:len(b)-1] },
		"extended":    func(b []byte) []byte { return append(b, 0) },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			ctx := context.Background()
			dgst := put(t, s, blobData(3, 100<<10), digest.SHA256, nil)
			corruptOnDisk(t, s, dgst, edit)

			r, err := s.Open(ctx, dgst)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			_, err = io.ReadAll(r)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), dgst.String()) {
				t.Fatalf("reading a corrupted blob: %v; want ErrCorrupt naming %s", err, dgst)
			}
			if err := s.Verify(ctx, dgst); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Verify = %v", err)
			}
		})
	}
}

func TestReadAt(t *testing.T) {
	s := newStore(t)
	dgst := put(t, s, []byte("0123456789"), digest.SHA256, nil)
	r, err := s.Open(context.Background(), dgst)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, 3)
	if _, err := r.ReadAt(buf, 4); err != nil || string(buf) != "456" || r.Size() != 10 {
		t.Fatalf("ReadAt = %q, %v; size %d", buf, err, r.Size())
	}
}

func TestCorruptionDetectedAtSize(t *testing.T) {
	s := newStore(t)
	dgst := put(t, s, []byte("exactly sized"), digest.SHA256, nil)
	corruptOnDisk(t, s, dgst, func(b []byte) []byte { b[0] ^= 1; return b })
	r, err := s.Open(context.Background(), dgst)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	buf := make([]byte, r.Size())
	if _, err := io.ReadFull(r, buf); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("ReadFull of Size bytes = %v; want ErrCorrupt", err)
	}
}

func TestCommitReplacesCorruptedBlob(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	data := []byte("rotting")
	dgst := put(t, s, data, digest.SHA256, nil)
	corruptOnDisk(t, s, dgst, func(b []byte) []byte { b[0] ^= 1; return b })
	// Exists cannot know; a reader can. After Delete, a new pull heals it,
	// and so does a Commit of the same bytes under another ref.
	w, err := s.Ingest(ctx, "other-ref", "", UnknownSize)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Commit(nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(ctx, dgst); err != nil {
		t.Fatal(err)
	}
}

func TestWalkSkipsStrays(t *testing.T) {
	s := newStore(t)
	put(t, s, []byte("real"), digest.SHA256, nil)
	os.WriteFile(s.Root()+"/blobs/stray", nil, 0o600)
	os.WriteFile(s.Root()+"/blobs/sha256/not-a-digest", nil, 0o600)
	u, err := s.Usage(context.Background())
	if err != nil || u.Blobs != 1 {
		t.Fatalf("Usage = %+v, %v", u, err)
	}
}
