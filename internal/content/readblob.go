package content

import (
	"context"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// ReadBlob returns the whole blob desc names, checked against both its
// digest and its size: the image package reads manifests and configs
// through it (it satisfies image.Provider). Only for small blobs.
func (s *Local) ReadBlob(ctx context.Context, desc ocispec.Descriptor) ([]byte, error) {
	r, err := s.Open(ctx, desc.Digest)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if r.Size() != desc.Size {
		return nil, fmt.Errorf("blob %s: %d bytes stored, descriptor says %d: %w",
			desc.Digest, r.Size(), desc.Size, errdefs.ErrInvalidArgument)
	}
	// Read verifies the digest once it reaches the end.
	return io.ReadAll(r)
}
