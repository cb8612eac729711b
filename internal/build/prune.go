package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/snapshot"
)

// PruneResult is what Prune removed.
type PruneResult struct {
	// Entries are the cache entries removed.
	Entries int
	// Swept counts the work directories of killed builds cleaned up.
	Swept int
	// Snapshots and Bytes are what the image service then freed: the
	// layers' snapshots and blobs nothing else uses.
	Snapshots int
	Bytes     int64
}

// Prune removes build cache: with all, every entry; else the entries whose
// layers no image uses (Docker's "dangling" build cache). It also sweeps
// what killed builds left, then lets the image service collect the
// snapshots and blobs nothing uses any more. It waits for running builds.
func (b *Builder) Prune(ctx context.Context, all bool) (PruneResult, error) {
	var res PruneResult
	unlock, err := b.lock(unix.LOCK_EX)
	if err != nil {
		return res, err
	}
	defer unlock()
	res.Swept = b.sweep(ctx)
	b.sweepIngests(ctx)
	keep := map[string]bool{}
	if !all {
		if keep, err = b.images.ImageChains(ctx); err != nil {
			return res, err
		}
	}
	remaining, err := b.pruneEntries(ctx, keep, &res)
	if err != nil {
		return res, err
	}
	sn := b.images.Snapshots()
	leaves, err := b.holdCover(ctx, remaining, func(c string) string {
		info, err := sn.Stat(ctx, c)
		if err != nil {
			return ""
		}
		return info.Parent
	})
	if err != nil {
		return res, err
	}
	if err := b.releaseHolds(ctx, leaves); err != nil {
		return res, err
	}
	freed, err := b.images.Prune(ctx)
	res.Snapshots, res.Bytes = len(freed.Snapshots), freed.Bytes
	return res, err
}

// pruneEntries removes the entries whose chain keep lacks, then drops the
// cache's root label from every layer blob no remaining entry lists. Going
// by what remains rather than by what was removed also releases the layers
// of entries a later build of the same step replaced, and of a layer two
// entries made alike only when neither needs it. It returns the chains
// the remaining entries use.
func (b *Builder) pruneEntries(ctx context.Context, keep map[string]bool, res *PruneResult) (map[string]string, error) {
	dir := filepath.Join(b.dir, "cache")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	remaining := map[string]string{}
	live := map[digest.Digest]bool{}
	for _, de := range ents {
		name, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok {
			continue
		}
		e, err := b.readEntry(digest.NewDigestFromEncoded(digest.SHA256, name))
		if err == nil && e.Chain != "" && keep[e.Chain] {
			remaining[e.Chain] = ""
			for _, l := range e.Layers {
				live[l.Digest] = true
			}
			continue
		}
		if err := os.Remove(filepath.Join(dir, de.Name())); err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		res.Entries++
	}
	return remaining, b.releaseLayers(ctx, live)
}

// releaseLayers drops the cache's root label from the blobs live lacks.
func (b *Builder) releaseLayers(ctx context.Context, live map[digest.Digest]bool) error {
	cs := b.images.Content()
	var drop []digest.Digest
	err := cs.Walk(ctx, func(info content.Info) error {
		if info.Labels[content.LabelGCRoot] == gcRootCache && !live[info.Digest] {
			drop = append(drop, info.Digest)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, d := range drop {
		err := cs.SetLabels(ctx, d, map[string]string{content.LabelGCRoot: ""})
		if err != nil && !errdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// sweepIngests aborts the layer writes that killed builds (and commits)
// left in the content store: ingests named hull-layer-* whose writer is
// gone. A live writer holds its ingest, and the short wait gives up on it.
func (b *Builder) sweepIngests(ctx context.Context) {
	cs := b.images.Content()
	ingests, err := cs.ListIngests(ctx)
	if err != nil {
		return
	}
	for _, in := range ingests {
		if !strings.HasPrefix(in.Ref, "hull-layer-") {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		w, err := cs.Ingest(wctx, in.Ref, "", content.UnknownSize)
		cancel()
		if err == nil {
			w.Abort()
			w.Close()
		}
	}
}

// releaseHolds removes the hold views of chains other than held.
func (b *Builder) releaseHolds(ctx context.Context, held map[string]bool) error {
	sn := b.images.Snapshots()
	var drop []string
	err := sn.Walk(ctx, func(info snapshot.Info) error {
		if chain := info.Labels[labelHold]; chain != "" && !held[chain] {
			drop = append(drop, info.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range drop {
		if err := sn.Remove(ctx, name); err != nil && !errdefs.IsNotFound(err) {
			return err
		}
	}
	return nil
}

// Usage is what the build cache holds, for `hull system df`.
type Usage struct {
	// Entries counts the cached steps.
	Entries int
	// Size totals the layer blobs the cache keeps alive of its own (the
	// compressed layers its steps made).
	Size int64
}

// DiskUsage counts the cache's entries and the size of its layers.
func (b *Builder) DiskUsage(ctx context.Context) (Usage, error) {
	var u Usage
	ents, err := os.ReadDir(filepath.Join(b.dir, "cache"))
	if err != nil {
		return u, err
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			u.Entries++
		}
	}
	err = b.images.Content().Walk(ctx, func(info content.Info) error {
		if info.Labels[content.LabelGCRoot] == gcRootCache {
			u.Size += info.Size
		}
		return nil
	})
	return u, err
}
