package images

import (
	"context"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

// Remove untags the image name, as `docker rmi` does. When no other name
// is left for the image, its snapshots go too (those no other image
// shares), and its blobs become garbage for the next Prune. An image that
// a container's snapshot is built on is refused with errdefs.ErrConflict
// unless force: then only the name goes, and the snapshots stay until the
// container is removed and Prune runs.
func (s *Service) Remove(ctx context.Context, name string, force bool) error {
	img, err := s.records.Get(ctx, name)
	if err != nil {
		return err
	}
	others, err := s.othersNaming(ctx, img)
	if err != nil {
		return err
	}
	if others.sameID {
		return s.records.Delete(ctx, img.Name)
	}
	r, rerr := s.resolve(ctx, img.Name, image.DefaultPlatform())
	// A container made from this image holds it, whether or not another
	// image shares its layers (Docker refuses such an rmi just the same).
	if rerr == nil && !force {
		if users := s.containersOn(ctx, r.top(), r.manifest.Config.Digest.String()); len(users) > 0 {
			return fmt.Errorf("image %s is used by container snapshot %q: %w", img.Name, users[0], errdefs.ErrConflict)
		}
	}
	if err := s.records.Delete(ctx, img.Name); err != nil {
		return err
	}
	if err := s.releaseTarget(ctx, img.Target.Digest); err != nil {
		return err
	}
	if rerr != nil {
		return nil // blobs gone already: nothing to unpack, nothing to remove
	}
	return s.removeChain(ctx, r.chain, others.chains)
}

// others describes the images other than one record.
type others struct {
	sameID bool            // another name points at the same image
	chains map[string]bool // the snapshots their chains use
}

func (s *Service) othersNaming(ctx context.Context, img image.Image) (others, error) {
	all, err := s.records.List(ctx)
	if err != nil {
		return others{}, err
	}
	var o others
	rest := all[:0]
	for _, other := range all {
		if other.Name == img.Name {
			continue
		}
		o.sameID = o.sameID || other.Target.Digest == img.Target.Digest
		rest = append(rest, other)
	}
	o.chains = s.chainsOf(ctx, rest)
	return o, nil
}

// containersOn returns the snapshots other than unpackers' built on top
// for the image id (any image on that top, when a snapshot does not say).
func (s *Service) containersOn(ctx context.Context, top, id string) []string {
	var users []string
	s.snapshots.Walk(ctx, func(info snapshot.Info) error {
		if l := info.Labels[labelImageID]; l != "" && id != "" && l != id {
			return nil
		}
		if onImage(info.Parent, top) && info.Labels[labelUnpack] == "" && info.Kind != snapshot.KindCommitted {
			users = append(users, info.Name)
		}
		return nil
	})
	return users
}

// removeChain removes the image's snapshots from the top down, stopping
// at the first one another image uses or a snapshot is built on: the
// snapshotter refuses to remove a parent, and everything below it is
// then in use too.
func (s *Service) removeChain(ctx context.Context, chain []string, keep map[string]bool) error {
	for i := len(chain) - 1; i >= 0; i-- {
		if keep[chain[i]] {
			return nil
		}
		if i == len(chain)-1 {
			// The init layer on the top goes first (see initLayer).
			err := s.snapshots.Remove(ctx, initKey(chain[i]))
			if errors.Is(err, errdefs.ErrConflict) {
				return nil
			}
			if err != nil && !errdefs.IsNotFound(err) {
				return err
			}
		}
		err := s.snapshots.Remove(ctx, chain[i])
		switch {
		case errors.Is(err, errdefs.ErrConflict):
			return nil
		case errdefs.IsNotFound(err):
			continue
		case err != nil:
			return err
		}
	}
	return nil
}

// releaseTarget drops the GC root label of a manifest no record names any
// more, so that the next GC may collect it.
func (s *Service) releaseTarget(ctx context.Context, dgst digest.Digest) error {
	all, err := s.records.List(ctx)
	if err != nil {
		return err
	}
	for _, img := range all {
		if img.Target.Digest == dgst {
			return nil
		}
	}
	err = s.content.SetLabels(ctx, dgst, map[string]string{content.LabelGCRoot: ""})
	if errdefs.IsNotFound(err) {
		return nil
	}
	return err
}
