package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"

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
	keep := map[string]bool{}
	if !all {
		if keep, err = b.images.ImageChains(ctx); err != nil {
			return res, err
		}
	}
	held := map[string]bool{}
	if err := b.pruneEntries(ctx, keep, held, &res); err != nil {
		return res, err
	}
	if err := b.releaseHolds(ctx, held); err != nil {
		return res, err
	}
	freed, err := b.images.Prune(ctx)
	res.Snapshots, res.Bytes = len(freed.Snapshots), freed.Bytes
	return res, err
}

// pruneEntries removes the entries whose chain keep lacks, dropping their
// manifests' root labels, and notes in held the chains the others use.
func (b *Builder) pruneEntries(ctx context.Context, keep, held map[string]bool, res *PruneResult) error {
	dir := filepath.Join(b.dir, "cache")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, de := range ents {
		name, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok {
			continue
		}
		key := digest.NewDigestFromEncoded(digest.SHA256, name)
		e, err := b.readEntry(key)
		if err == nil && e.Chain != "" && keep[e.Chain] {
			held[e.Chain] = true
			continue
		}
		if err == nil {
			err = b.images.Content().SetLabels(ctx, e.Manifest.Digest, map[string]string{content.LabelGCRoot: ""})
			if err != nil && !errdefs.IsNotFound(err) {
				return err
			}
		}
		if err := os.Remove(filepath.Join(dir, de.Name())); err != nil && !os.IsNotExist(err) {
			return err
		}
		res.Entries++
	}
	return nil
}

// releaseHolds removes the hold views of chains no entry uses.
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
