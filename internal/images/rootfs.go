package images

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

// Labels on a container's snapshot naming the image it was made from, so
// that Commit finds its base config without the caller remembering it.
const (
	labelImageID   = "hull.images.image-id"
	labelImageName = "hull.images.image-name"
)

// PrepareRootfs unpacks the image key names (for the host's platform) if
// needed and makes the writable snapshot containerKey on top of it. It
// returns the mounts that show the container's root filesystem, to pass
// to snapshot.Mount, and the image config holding the process defaults.
// Nothing is mounted here. opts add to how the snapshot is made (such as
// snapshot.WithVolatile for a container that will not outlive a crash).
func (s *Service) PrepareRootfs(ctx context.Context, key, containerKey string, opts ...snapshot.Opt) ([]specs.Mount, ocispec.Image, error) {
	r, err := s.resolve(ctx, key, image.DefaultPlatform())
	if err != nil {
		return nil, ocispec.Image{}, err
	}
	if _, err := s.unpack(ctx, r); err != nil {
		return nil, ocispec.Image{}, err
	}
	labels := map[string]string{labelImageID: r.manifest.Config.Digest.String(), labelImageName: r.record.Name}
	opts = append([]snapshot.Opt{snapshot.WithLabels(labels)}, opts...)
	// On the image's init layer, made if it is missing (the first run of
	// the image): a failed Prepare costs no more than asking first would.
	parent := s.initParent(r.top())
	mounts, err := s.snapshots.Prepare(ctx, containerKey, parent, opts...)
	if parent != r.top() && errdefs.IsNotFound(err) {
		if parent, err = s.initLayer(ctx, r.top()); err != nil {
			parent = r.top() // the container's init makes what it needs
		}
		mounts, err = s.snapshots.Prepare(ctx, containerKey, parent, opts...)
	}
	if err != nil {
		return nil, ocispec.Image{}, fmt.Errorf("preparing rootfs %q of image %s: %w", containerKey, r.record.Name, err)
	}
	return mounts, r.config, nil
}

// Mounts returns the mounts of a container's snapshot again, with the same
// options as PrepareRootfs.
func (s *Service) Mounts(ctx context.Context, containerKey string) ([]specs.Mount, error) {
	mounts, err := s.snapshots.Mounts(ctx, containerKey)
	if err != nil {
		return nil, err
	}
	return mounts, nil
}

// RemoveRootfs removes a container's snapshot; the caller has unmounted it.
func (s *Service) RemoveRootfs(ctx context.Context, containerKey string) error {
	return s.snapshots.Remove(ctx, containerKey)
}

// DiscardRootfs removes a container's snapshot as RemoveRootfs does, but
// leaves deleting its directory for later (see snapshot.Store.Discard and
// TrashDir).
func (s *Service) DiscardRootfs(ctx context.Context, containerKey string) error {
	return s.snapshots.Discard(ctx, containerKey)
}

// TrashDir is where DiscardRootfs moves snapshot directories; whoever
// empties it deletes them.
func (s *Service) TrashDir() string { return s.snapshots.TrashDir() }
