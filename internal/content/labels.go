package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// Labels are kept beside the blob in labels/<alg>/<encoded>.json, never in
// the blob's file: a blob's bytes are fixed by its name, its labels change.

// Labels returns a blob's labels (an empty map if it has none).
func (s *Local) Labels(ctx context.Context, dgst digest.Digest) (map[string]string, error) {
	info, err := s.Info(ctx, dgst)
	if err != nil {
		return nil, err
	}
	return info.Labels, nil
}

// SetLabels merges labels into a committed blob's: each key is set to its
// value, and a key with an empty value is removed. Keys not named are
// kept, so two callers updating different labels do not undo each other.
// The file is replaced atomically; a crash leaves the old set or the new.
func (s *Local) SetLabels(ctx context.Context, dgst digest.Digest, labels map[string]string) error {
	if err := checkDigest(dgst); err != nil {
		return err
	}
	// Shared store lock: GC must not decide a blob is garbage while a root
	// label is being added to it.
	release, err := s.Lease(ctx)
	if err != nil {
		return err
	}
	defer release()
	if _, err := os.Lstat(s.blobPath(dgst)); err != nil {
		return notFound(dgst, err)
	}
	return s.updateLabels(dgst, labels)
}

// updateLabels merges labels into dgst's label file under the label lock,
// which makes the read-modify-write safe across processes.
func (s *Local) updateLabels(dgst digest.Digest, labels map[string]string) error {
	if len(labels) == 0 {
		return nil
	}
	for k := range labels {
		if k == "" {
			return fmt.Errorf("labels of %s: empty key: %w", dgst, errdefs.ErrInvalidArgument)
		}
	}
	lock, err := lockPath(context.Background(), filepath.Join(s.root, fileLabel), lockExclusive)
	if err != nil {
		return err
	}
	defer lock.Close()
	cur, err := s.readLabels(dgst)
	if err != nil {
		return err
	}
	for k, v := range labels {
		if v == "" {
			delete(cur, k)
		} else {
			cur[k] = v
		}
	}
	return s.writeLabels(dgst, cur)
}

func (s *Local) readLabels(dgst digest.Digest) (map[string]string, error) {
	labels := map[string]string{}
	b, err := os.ReadFile(s.labelPath(dgst))
	if errors.Is(err, fs.ErrNotExist) {
		return labels, nil
	} else if err != nil {
		return nil, fmt.Errorf("labels of %s: %w", dgst, err)
	}
	if err := json.Unmarshal(b, &labels); err != nil {
		return nil, fmt.Errorf("labels of %s: %w", dgst, err)
	}
	return labels, nil
}

func (s *Local) writeLabels(dgst digest.Digest, labels map[string]string) error {
	path := s.labelPath(dgst)
	if len(labels) == 0 {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("labels of %s: %w", dgst, err)
		}
		return nil
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	if err := writeFileAtomic(path, b, 0o600); err != nil {
		return fmt.Errorf("labels of %s: %w", dgst, err)
	}
	return nil
}

// refs lists the digests a blob's labels say it refers to. A value that
// is not a valid digest is ignored: it can keep nothing alive.
func refs(labels map[string]string) []digest.Digest {
	var out []digest.Digest
	for k, v := range labels {
		if strings.HasPrefix(k, LabelGCRefPrefix) {
			if d := digest.Digest(v); checkDigest(d) == nil {
				out = append(out, d)
			}
		}
	}
	return out
}
