package images

import (
	"context"
	"errors"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/snapshot"
)

// staleUnpack is how old an unpacker's private snapshot must be before
// Prune takes it for the leftover of a killed process rather than the
// work of a live one.
const staleUnpack = time.Hour

// PruneResult is what Prune freed.
type PruneResult struct {
	Snapshots []string        // snapshots removed
	Blobs     []digest.Digest // blobs removed
	Bytes     int64           // the blobs' size
}

// Prune removes the committed snapshots no image's chain names and no
// container is built on, stale unpack snapshots, then every blob not
// reachable from an image record. It must not run while this process
// holds a content lease (GC would wait for it).
func (s *Service) Prune(ctx context.Context) (PruneResult, error) {
	var res PruneResult
	all, err := s.records.List(ctx)
	if err != nil {
		return res, err
	}
	roots := make([]digest.Digest, 0, len(all))
	for _, img := range all {
		roots = append(roots, img.Target.Digest)
	}
	if res.Snapshots, err = s.pruneSnapshots(ctx, s.chainsOf(ctx, all)); err != nil {
		return res, err
	}
	gc, err := s.content.GC(ctx, roots...)
	res.Blobs, res.Bytes = gc.Removed, gc.Bytes
	return res, err
}

// pruneSnapshots removes unwanted snapshots, top down: each pass removes
// those nothing is built on, which frees their parents for the next.
func (s *Service) pruneSnapshots(ctx context.Context, wanted map[string]bool) ([]string, error) {
	var removed []string
	for {
		var candidates []string
		err := s.snapshots.Walk(ctx, func(info snapshot.Info) error {
			if prunable(info, wanted) {
				candidates = append(candidates, info.Name)
			}
			return nil
		})
		if err != nil {
			return removed, err
		}
		progress := false
		for _, name := range candidates {
			err := s.snapshots.Remove(ctx, name)
			if errors.Is(err, errdefs.ErrConflict) || errdefs.IsNotFound(err) {
				continue // a parent still, or someone else removed it
			}
			if err != nil {
				return removed, err
			}
			removed = append(removed, name)
			progress = true
		}
		if !progress {
			return removed, nil
		}
	}
}

func prunable(info snapshot.Info, wanted map[string]bool) bool {
	if info.Labels[labelUnpack] != "" {
		return time.Since(info.Created) > staleUnpack
	}
	return info.Kind == snapshot.KindCommitted && !wantedLayer(info.Name, wanted)
}

// wantedLayer tells whether a committed snapshot is a layer of a wanted
// chain, or the init layer on one.
func wantedLayer(name string, wanted map[string]bool) bool {
	if top, ok := initOf(name); ok {
		return wanted[top]
	}
	return wanted[name]
}

// Usage is what `hull system df` shows for images.
type Usage struct {
	Images int
	// Content is the blobs (compressed layers, configs, manifests).
	ContentBlobs int
	ContentSize  int64
	// Snapshots totals every snapshot's own directory: unpacked layers
	// and containers' writable layers.
	Snapshots     int
	SnapshotsSize int64
	// Reclaimable is what Prune would free from the snapshots: committed
	// ones no image uses.
	Reclaimable int64
}

// DiskUsage adds up what the images take on disk.
func (s *Service) DiskUsage(ctx context.Context) (Usage, error) {
	var u Usage
	all, err := s.records.List(ctx)
	if err != nil {
		return u, err
	}
	u.Images = len(all)
	wanted := s.chainsOf(ctx, all)
	cu, err := s.content.Usage(ctx)
	if err != nil {
		return u, err
	}
	u.ContentBlobs, u.ContentSize = cu.Blobs, cu.Size+cu.IngestSize
	err = s.snapshots.Walk(ctx, func(info snapshot.Info) error {
		su, err := s.snapshots.Usage(ctx, info.Name)
		if err != nil {
			return nil // removed meanwhile
		}
		u.Snapshots++
		u.SnapshotsSize += su.Size
		if info.Kind == snapshot.KindCommitted && !wantedLayer(info.Name, wanted) {
			u.Reclaimable += su.Size
		}
		return nil
	})
	return u, err
}

// chainsOf returns the snapshot names the images' layer chains use, for
// the host's platform. An image whose blobs are gone uses none.
func (s *Service) chainsOf(ctx context.Context, imgs []image.Image) map[string]bool {
	chains := map[string]bool{}
	for _, img := range imgs {
		if r, err := s.resolve(ctx, img.Name, image.DefaultPlatform()); err == nil {
			for _, c := range r.chain {
				chains[c] = true
			}
		}
	}
	return chains
}
