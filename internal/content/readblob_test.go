package content

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestReadBlob(t *testing.T) {
	s := newStore(t)
	data := blobData(7, 4096)
	dgst := put(t, s, data, digest.SHA256, nil)
	ctx := context.Background()
	got, err := s.ReadBlob(ctx, ocispec.Descriptor{Digest: dgst, Size: int64(len(data))})
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("ReadBlob: %v (%d bytes)", err, len(got))
	}
	if _, err := s.ReadBlob(ctx, ocispec.Descriptor{Digest: dgst, Size: 10}); err == nil {
		t.Error("a descriptor with the wrong size was accepted")
	}
	corruptOnDisk(t, s, dgst, func(b []byte) []byte { b[0] ^= 1; return b })
	if _, err := s.ReadBlob(ctx, ocispec.Descriptor{Digest: dgst, Size: int64(len(data))}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("corrupted blob: %v, want ErrCorrupt", err)
	}
}
