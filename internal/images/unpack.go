package images

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

// labelUnpack marks the private snapshot a layer is applied into, so that
// Prune can tell one a killed unpack left behind from a container's.
const labelUnpack = "hull.images.unpack"

// UnpackResult says what an Unpack did.
type UnpackResult struct {
	// Chain names the image's committed snapshots, base layer first; the
	// last is what a container's snapshot is prepared on.
	Chain []string
	// Applied counts the layers this call unpacked and committed; the
	// others were present already.
	Applied int
	// Discarded counts layers this call unpacked but another process
	// committed first, so its copy was removed.
	Discarded int
}

// Unpack makes sure every layer of the image key names is a committed
// snapshot named by its chain ID, applying the missing ones in order.
// Layers already present are never applied again. Two processes may
// unpack the same image at once: each applies into a snapshot of its own,
// and the loser of the race to Commit removes its copy.
func (s *Service) Unpack(ctx context.Context, key string, p image.Platform) (UnpackResult, error) {
	r, err := s.resolve(ctx, key, p)
	if err != nil {
		return UnpackResult{}, err
	}
	return s.unpack(ctx, r)
}

func (s *Service) unpack(ctx context.Context, r resolved) (UnpackResult, error) {
	res := UnpackResult{Chain: r.chain}
	for i, layer := range r.manifest.Layers {
		if s.snapshots.Exists(ctx, r.chain[i]) {
			continue
		}
		parent := ""
		if i > 0 {
			parent = r.chain[i-1]
		}
		applied, err := s.unpackLayer(ctx, layer, r.config.RootFS.DiffIDs[i], parent, r.chain[i])
		if err != nil {
			return res, fmt.Errorf("unpacking layer %d of image %s: %w", i+1, r.record.Name, err)
		}
		if applied {
			res.Applied++
		} else {
			res.Discarded++
		}
	}
	return res, nil
}

// unpackLayer applies one layer on parent and commits it as name. It
// reports false when another unpacker committed name first, which is not
// an error: the layer is there.
func (s *Service) unpackLayer(ctx context.Context, layer ocispec.Descriptor, diffID digest.Digest, parent, name string) (bool, error) {
	if image.IsNonDistributable(layer.MediaType) && !s.content.Exists(ctx, layer.Digest) {
		return false, fmt.Errorf("layer %s is non-distributable and not in the store: %w", layer.Digest, errdefs.ErrNotFound)
	}
	key := "unpack-" + randomID() + "-" + name
	labels := map[string]string{labelUnpack: name}
	if _, err := s.snapshots.Prepare(ctx, key, parent, snapshot.WithLabels(labels)); err != nil {
		return false, err
	}
	if err := s.applyLayer(ctx, key, layer, diffID); err != nil {
		return false, errors.Join(err, s.snapshots.Remove(ctx, key))
	}
	err := s.snapshots.Commit(ctx, name, key, snapshot.WithLabels(nil))
	if errors.Is(err, errdefs.ErrAlreadyExists) {
		return false, s.snapshots.Remove(ctx, key)
	}
	if err != nil {
		return false, errors.Join(err, s.snapshots.Remove(ctx, key))
	}
	return true, nil
}

// applyLayer unpacks the layer blob straight into the snapshot's upper
// directory: with overlay it is an empty directory that becomes a lower
// dir, so whiteouts are kept as overlayfs reads them; with the copy driver
// it holds the whole parent tree, so whiteouts delete. No mount is needed
// either way.
func (s *Service) applyLayer(ctx context.Context, key string, layer ocispec.Descriptor, diffID digest.Digest) error {
	dirs, err := s.snapshots.Layers(ctx, key)
	if err != nil {
		return err
	}
	blob, err := s.content.Open(ctx, layer.Digest)
	if err != nil {
		return fmt.Errorf("opening layer %s: %w", layer.Digest, err)
	}
	defer blob.Close()
	opts := archive.ApplyOptions{Whiteouts: archive.OverlayWhiteouts}
	if dirs.Whole {
		opts.Whiteouts = archive.CopyWhiteouts
	}
	res, err := archive.Apply(ctx, dirs.Upper, blob, opts)
	if err != nil {
		return fmt.Errorf("applying layer %s: %w", layer.Digest, err)
	}
	if res.DiffID != diffID {
		return fmt.Errorf("layer %s unpacks to diff_id %s but the image config says %s: %w",
			layer.Digest, res.DiffID, diffID, errdefs.ErrInvalidArgument)
	}
	return nil
}
