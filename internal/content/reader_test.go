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
