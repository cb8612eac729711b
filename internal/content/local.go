package content

import (
	"context"
	_ "crypto/sha256" // digest.SHA256 needs the hash registered
	_ "crypto/sha512" // and so do digest.SHA384 and digest.SHA512
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// Local is the content store in a directory on the local disk; doc.go
// describes its layout. Any number of Locals, in any number of processes,
// may share one root: everything they coordinate on is a file lock.
type Local struct {
	root string
}

// NewLocal opens the store at root, creating its directories if needed.
func NewLocal(root string) (*Local, error) {
	for _, dir := range []string{dirBlobs, dirLabels, dirIngest} {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o700); err != nil {
			return nil, fmt.Errorf("creating content store: %w", err)
		}
	}
	return &Local{root: root}, nil
}

// Root is the directory the store lives in.
func (s *Local) Root() string { return s.root }

const (
	dirBlobs  = "blobs"
	dirLabels = "labels"
	dirIngest = "ingest"
	fileLock  = "lock"        // store-wide: GC exclusive, writers shared
	fileLabel = "labels.lock" // serializes read-modify-write of label files
)

// checkDigest refuses a digest that is malformed or of an algorithm this
// binary cannot compute. Every path built from a caller's digest goes
// through it first, so "sha256:../../etc/passwd" never reaches the disk.
func checkDigest(dgst digest.Digest) error {
	if err := dgst.Validate(); err != nil {
		return fmt.Errorf("digest %q: %w: %w", dgst, errdefs.ErrInvalidArgument, err)
	}
	return nil
}

func (s *Local) blobPath(dgst digest.Digest) string {
	return filepath.Join(s.root, dirBlobs, string(dgst.Algorithm()), dgst.Encoded())
}

func (s *Local) labelPath(dgst digest.Digest) string {
	return filepath.Join(s.root, dirLabels, string(dgst.Algorithm()), dgst.Encoded()+".json")
}

// Lease keeps GC away until release is called. Hold one across a pull that
// commits several blobs (layers, then the config, then the manifest that
// refers to them): without it a GC between two commits would delete the
// layers, which nothing refers to yet. Writers hold their own lease from
// Ingest to Close, so a single-blob write needs none.
//
// A process must not run GC while it holds a lease: GC would wait for it.
func (s *Local) Lease(ctx context.Context) (release func(), err error) {
	f, err := lockPath(ctx, filepath.Join(s.root, fileLock), lockShared)
	if err != nil {
		return nil, fmt.Errorf("content store lease, waiting for GC: %w", err)
	}
	return func() { f.Close() }, nil
}

// Exists reports whether dgst is committed. It is the cheap check a puller
// makes before downloading; Ingest and Commit make it again under a lock.
func (s *Local) Exists(ctx context.Context, dgst digest.Digest) bool {
	if checkDigest(dgst) != nil {
		return false
	}
	_, err := os.Lstat(s.blobPath(dgst))
	return err == nil
}

// Info describes a committed blob and its labels.
func (s *Local) Info(ctx context.Context, dgst digest.Digest) (Info, error) {
	if err := checkDigest(dgst); err != nil {
		return Info{}, err
	}
	st, err := os.Lstat(s.blobPath(dgst))
	if err != nil {
		return Info{}, notFound(dgst, err)
	}
	labels, err := s.readLabels(dgst)
	if err != nil {
		return Info{}, err
	}
	return Info{Digest: dgst, Size: st.Size(), CommittedAt: st.ModTime(), Labels: labels}, nil
}

// Walk calls fn for every committed blob, in no particular order, until fn
// returns an error. Blobs committed or deleted during the walk may or may
// not be seen.
func (s *Local) Walk(ctx context.Context, fn func(Info) error) error {
	return s.walkBlobs(ctx, func(dgst digest.Digest, st fs.FileInfo) error {
		labels, err := s.readLabels(dgst)
		if err != nil {
			return err
		}
		return fn(Info{Digest: dgst, Size: st.Size(), CommittedAt: st.ModTime(), Labels: labels})
	})
}

// walkBlobs lists blobs/<alg>/<encoded>, skipping anything that is not a
// valid name there; nothing but Commit writes in blobs/.
func (s *Local) walkBlobs(ctx context.Context, fn func(digest.Digest, fs.FileInfo) error) error {
	algs, err := os.ReadDir(filepath.Join(s.root, dirBlobs))
	if err != nil {
		return fmt.Errorf("walking content store: %w", err)
	}
	for _, alg := range algs {
		if !alg.IsDir() {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(s.root, dirBlobs, alg.Name()))
		if err != nil {
			return fmt.Errorf("walking content store: %w", err)
		}
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return err
			}
			dgst := digest.NewDigestFromEncoded(digest.Algorithm(alg.Name()), e.Name())
			if checkDigest(dgst) != nil {
				continue
			}
			st, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since ReadDir
			} else if err != nil {
				return err
			}
			if err := fn(dgst, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// Delete removes a blob and its labels. Readers that have it open keep
// reading it. The blob goes first: a crash in between leaves only a label
// file without a blob, which GC sweeps.
func (s *Local) Delete(ctx context.Context, dgst digest.Digest) error {
	if err := checkDigest(dgst); err != nil {
		return err
	}
	if err := os.Remove(s.blobPath(dgst)); err != nil {
		return fmt.Errorf("deleting blob: %w", notFound(dgst, err))
	}
	if err := os.Remove(s.labelPath(dgst)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("deleting labels of %s: %w", dgst, err)
	}
	return nil
}

// Usage totals the committed blobs and the unfinished ingests.
func (s *Local) Usage(ctx context.Context) (Usage, error) {
	var u Usage
	err := s.walkBlobs(ctx, func(_ digest.Digest, st fs.FileInfo) error {
		u.Blobs++
		u.Size += st.Size()
		return nil
	})
	if err != nil {
		return Usage{}, err
	}
	ingests, err := s.ListIngests(ctx)
	if err != nil {
		return Usage{}, err
	}
	for _, in := range ingests {
		u.Ingests++
		u.IngestSize += in.Offset
	}
	return u, nil
}

// notFound turns a missing file into errdefs.ErrNotFound naming dgst.
func notFound(dgst digest.Digest, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob %s: %w", dgst, errdefs.ErrNotFound)
	}
	return fmt.Errorf("blob %s: %w", dgst, err)
}

// writeFileAtomic replaces path with data so that a reader, or a crash at
// any moment, sees either the old file or the whole new one.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(path))
}

// syncDir makes a rename or unlink in dir durable.
func syncDir(dir string) error {
	d, err := os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
