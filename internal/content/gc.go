package content

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// GC deletes every blob not reachable from a root, and returns what it
// freed. The roots are the given digests and every blob labelled
// LabelGCRoot; a blob is reachable from another through its
// LabelGCRefPrefix labels. Blobs named as roots or refs that are not in
// the store are ignored.
//
// GC holds the store lock exclusively: it waits, until ctx ends, for every
// Writer and Lease (in any process) to finish, and none starts while it
// runs. So a blob just committed by a pull that will label it a moment
// later is safe as long as the pull holds a Lease. (flock favours no one:
// under a steady stream of overlapping writes GC waits for a gap, and its
// ctx should bound that wait.) A label file it cannot read fails GC rather
// than risk deleting what a lost root label kept. GC also removes label
// files left without a blob and temporary files of label writes that a
// crash interrupted.
func (s *Local) GC(ctx context.Context, roots ...digest.Digest) (GCResult, error) {
	lock, err := lockPath(ctx, filepath.Join(s.root, fileLock), lockExclusive)
	if err != nil {
		return GCResult{}, fmt.Errorf("content gc, waiting for writers: %w", err)
	}
	defer lock.Close()
	all := map[digest.Digest]Info{}
	if err := s.Walk(ctx, func(i Info) error { all[i.Digest] = i; return nil }); err != nil {
		return GCResult{}, fmt.Errorf("content gc: %w", err)
	}
	live := mark(all, roots)
	var res GCResult
	for d, info := range all {
		if live[d] {
			continue
		}
		if err := s.Delete(ctx, d); err != nil && !errdefs.IsNotFound(err) {
			return res, fmt.Errorf("content gc: %w", err)
		}
		res.Removed = append(res.Removed, d)
		res.Bytes += info.Size
	}
	if err := s.sweepLabels(ctx); err != nil {
		return res, fmt.Errorf("content gc: %w", err)
	}
	return res, nil
}

// mark returns the blobs reachable from roots and from root-labelled blobs.
func mark(all map[digest.Digest]Info, roots []digest.Digest) map[digest.Digest]bool {
	live := map[digest.Digest]bool{}
	queue := append([]digest.Digest(nil), roots...)
	for d, info := range all {
		if info.Labels[LabelGCRoot] != "" {
			queue = append(queue, d)
		}
	}
	for len(queue) > 0 {
		d := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		info, ok := all[d]
		if !ok || live[d] {
			continue
		}
		live[d] = true
		queue = append(queue, refs(info.Labels)...)
	}
	return live
}

// sweepLabels removes label files whose blob is gone (a Delete or Commit
// interrupted between its label and blob steps) and temporary files of
// interrupted label writes. Every label write holds the store lock shared
// (SetLabels through a Lease, Commit through its Writer), so under GC's
// exclusive lock none is in flight and every temporary file is litter.
func (s *Local) sweepLabels(ctx context.Context) error {
	base := filepath.Join(s.root, dirLabels)
	algs, err := os.ReadDir(base)
	if err != nil {
		return err
	}
	for _, alg := range algs {
		if !alg.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(base, alg.Name()))
		if err != nil {
			return err
		}
		for _, e := range entries {
			path := filepath.Join(base, alg.Name(), e.Name())
			if strings.HasPrefix(e.Name(), ".") {
				os.Remove(path)
				continue
			}
			dgst := digest.NewDigestFromEncoded(digest.Algorithm(alg.Name()), strings.TrimSuffix(e.Name(), ".json"))
			if checkDigest(dgst) == nil && !s.Exists(ctx, dgst) {
				os.Remove(path)
			}
		}
	}
	return nil
}
