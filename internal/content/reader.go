package content

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/opencontainers/go-digest"
)

// Reader reads one committed blob. Read is sequential and verifying: when
// it reaches the end (the size at Open, or EOF), it checks the bytes hash to the blob's digest and,
// if not, returns an error wrapping ErrCorrupt instead of io.EOF, so an
// io.Copy or a tar reader fails rather than use a corrupted blob. ReadAt
// is random access and cannot verify; callers that use only ReadAt should
// Verify the blob once first.
type Reader struct {
	f        *os.File
	dgst     digest.Digest
	size     int64
	digester digest.Digester
	off      int64 // of the sequential Read
}

// Open opens a committed blob for reading.
func (s *Local) Open(ctx context.Context, dgst digest.Digest) (*Reader, error) {
	if err := checkDigest(dgst); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(s.blobPath(dgst), os.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, notFound(dgst, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob %s: %w", dgst, err)
	}
	return &Reader{f: f, dgst: dgst, size: st.Size(), digester: dgst.Algorithm().Digester()}, nil
}

// Digest is the blob's name.
func (r *Reader) Digest() digest.Digest { return r.dgst }

// Size is the blob's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// Read reads the blob sequentially, verifying it at the end.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.f.Read(p)
	r.digester.Hash().Write(p[:n])
	r.off += int64(n)
	// Check at the size seen at Open too, not only at EOF: a caller that
	// reads exactly Size bytes (io.ReadFull) never asks for the EOF. And
	// withhold the last bytes of a corrupted blob, because io.ReadFull
	// drops the error of a read that filled its buffer.
	if err == io.EOF || r.off == r.size {
		if got := r.digester.Digest(); got != r.dgst {
			return 0, corrupt(r.dgst, got)
		}
	}
	return n, err
}

// ReadAt reads len(p) bytes at off without verifying them.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	return r.f.ReadAt(p, off)
}

// Close closes the blob's file.
func (r *Reader) Close() error { return r.f.Close() }

// Verify reads a whole committed blob and checks it hashes to its name,
// returning an error wrapping ErrCorrupt if not. It leaves a corrupted
// blob in place, for the caller to Delete and fetch again.
func (s *Local) Verify(ctx context.Context, dgst digest.Digest) error {
	r, err := s.Open(ctx, dgst)
	if err != nil {
		return err
	}
	defer r.Close()
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, err := r.Read(buf)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func corrupt(want, got digest.Digest) error {
	return fmt.Errorf("blob %s: %w: its content hashes to %s", want, ErrCorrupt, got)
}
