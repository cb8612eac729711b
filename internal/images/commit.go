package images

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/archive"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// CommitOptions tune Commit.
type CommitOptions struct {
	Changes Changes
	// Comment and Author go into the history entry and the config, as
	// `docker commit -m` and `-a` do.
	Comment string
	Author  string
}

// Commit makes the image ref from a container's snapshot, as `docker
// commit` does: the image the container was prepared from (PrepareRootfs
// labelled the snapshot with it) plus one layer holding the container's
// changes. The container should be stopped or paused: the differ reads
// its writable layer, which must not change meanwhile.
func (s *Service) Commit(ctx context.Context, containerKey, ref string, opts CommitOptions) (image.Image, error) {
	if _, err := image.ParseNormalized(ref); err != nil {
		return image.Image{}, err
	}
	base, err := s.baseOf(ctx, containerKey)
	if err != nil {
		return image.Image{}, err
	}
	release, err := s.content.Lease(ctx)
	if err != nil {
		return image.Image{}, err
	}
	defer release()
	layer, diffID, err := s.writeLayer(ctx, func(w io.Writer) (digest.Digest, error) {
		return s.diff(ctx, containerKey, w)
	})
	if err != nil {
		return image.Image{}, fmt.Errorf("committing container snapshot %q: %w", containerKey, err)
	}
	now := time.Now().UTC()
	cfg := base.config
	cfg.Created = &now
	cfg.Author = opts.Author
	cfg.RootFS.DiffIDs = append(slices.Clone(cfg.RootFS.DiffIDs), diffID)
	cfg.History = append(slices.Clone(cfg.History), ocispec.History{Created: &now, CreatedBy: "hull commit", Author: opts.Author, Comment: opts.Comment})
	opts.Changes.apply(&cfg.Config)
	layers := append(slices.Clone(base.manifest.Layers), layer)
	return s.writeImage(ctx, ref, cfg, layers)
}

// baseOf reads the image a container's snapshot was prepared from, by the
// image ID label PrepareRootfs put on it.
func (s *Service) baseOf(ctx context.Context, containerKey string) (resolved, error) {
	info, err := s.snapshots.Stat(ctx, containerKey)
	if err != nil {
		return resolved{}, err
	}
	id := info.Labels[labelImageID]
	if id == "" {
		return resolved{}, fmt.Errorf("snapshot %q was not prepared from an image: %w", containerKey, errdefs.ErrInvalidArgument)
	}
	r, err := s.resolve(ctx, id, image.DefaultPlatform())
	if err != nil {
		return resolved{}, fmt.Errorf("base image %s of container snapshot %q: %w", info.Labels[labelImageName], containerKey, err)
	}
	if !onImage(info.Parent, r.top()) {
		return resolved{}, fmt.Errorf("container snapshot %q is on %q, not on its image's layers %q: %w",
			containerKey, info.Parent, r.top(), errdefs.ErrConflict)
	}
	return r, nil
}

// diff writes the container's changes as an uncompressed tar: overlayfs
// keeps them apart in the upper directory; with the copy driver the whole
// tree is compared with its parent's.
func (s *Service) diff(ctx context.Context, containerKey string, w io.Writer) (digest.Digest, error) {
	dirs, err := s.snapshots.Layers(ctx, containerKey)
	if err != nil {
		return "", err
	}
	if !dirs.Whole {
		res, err := archive.DiffOverlay(ctx, w, dirs.Upper)
		return res.DiffID, err
	}
	old := ""
	if len(dirs.Lowers) > 0 {
		old = dirs.Lowers[0]
	} else {
		empty, err := os.MkdirTemp("", "hull-empty-")
		if err != nil {
			return "", err
		}
		defer os.Remove(empty)
		old = empty
	}
	res, err := archive.DiffDirs(ctx, w, old, dirs.Upper)
	return res.DiffID, err
}
