package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// Writer streams one blob into an ingest, hashing as it goes. Nothing is
// readable until Commit has checked the size and digest. A Writer is not
// safe for concurrent use; it must be ended with Commit, Abort or Close.
type Writer struct {
	s        *Local
	ref      string
	dir      string
	expected digest.Digest
	size     int64
	lease    *os.File // store lock, shared: keeps GC out
	lock     *os.File // ingest lock: keeps other writers of ref out
	data     *os.File
	digester digest.Digester
	offset   int64
	err      error // once set, the writer is finished and returns it
}

var errWriterDone = errors.New("writer already committed, aborted or closed")

// Ingest starts the ingest named ref, or resumes it where an interrupted
// writer (this process or a killed one) left it: see Offset. A resume
// whose expected digest or size differs from the ingest's starts over.
//
// If another writer — in this process or another — holds ref, Ingest
// waits for it until ctx ends, then fails with errdefs.ErrUnavailable.
// If the expected blob is committed already, perhaps by the writer it
// waited for, Ingest fails with errdefs.ErrAlreadyExists: a puller treats
// that as done and skips the download.
func (s *Local) Ingest(ctx context.Context, ref string, expected digest.Digest, expectedSize int64) (*Writer, error) {
	if ref == "" || expectedSize < UnknownSize {
		return nil, fmt.Errorf("ingest %q of size %d: %w", ref, expectedSize, errdefs.ErrInvalidArgument)
	}
	alg := digest.Canonical
	if expected != "" {
		if err := checkDigest(expected); err != nil {
			return nil, fmt.Errorf("ingest %q: %w", ref, err)
		}
		alg = expected.Algorithm()
	}
	w := &Writer{s: s, ref: ref, dir: s.ingestDir(ref), expected: expected, size: expectedSize, digester: alg.Digester()}
	if err := w.start(ctx); err != nil {
		w.release()
		return nil, fmt.Errorf("ingest %q: %w", ref, err)
	}
	return w, nil
}

// start takes the locks, then opens or resumes the ingest's data.
func (w *Writer) start(ctx context.Context) error {
	var err error
	if w.lease, err = lockPath(ctx, filepath.Join(w.s.root, fileLock), lockShared); err != nil {
		return whileBusy("waiting for GC", err)
	}
	if w.lock, err = lockIngest(ctx, w.dir); err != nil {
		return whileBusy("another writer has this ref", err)
	}
	if w.expected != "" && w.s.Exists(ctx, w.expected) {
		err := removeIngest(w.dir, w.lock)
		w.lock = nil
		return errors.Join(fmt.Errorf("blob %s: %w", w.expected, errdefs.ErrAlreadyExists), err)
	}
	st, err := readStatus(w.dir)
	if err == nil && st.Ref == w.ref && st.Expected == w.expected && st.Size == w.size {
		return w.resume()
	}
	return w.restart()
}

// whileBusy says why a lock was not had in time; other errors pass as is.
func whileBusy(why string, err error) error {
	if errors.Is(err, errdefs.ErrUnavailable) {
		return fmt.Errorf("%s: %w", why, err)
	}
	return err
}

// resume reopens the data and hashes what is there again. Re-reading costs
// one pass over the partial blob but needs no saved hash state that could
// disagree with the data after a crash.
func (w *Writer) resume() error {
	f, err := os.OpenFile(filepath.Join(w.dir, ingestData), os.O_RDWR|syscall.O_CLOEXEC, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return w.restart()
	} else if err != nil {
		return err
	}
	w.data = f
	n, err := io.Copy(w.digester.Hash(), f)
	if err != nil {
		return fmt.Errorf("rehashing ingest data: %w", err)
	}
	w.offset = n
	if w.size >= 0 && n > w.size {
		return w.Reset()
	}
	return nil
}

// restart begins an empty ingest with a new status.
func (w *Writer) restart() error {
	st := status{Ref: w.ref, Expected: w.expected, Size: w.size, StartedAt: time.Now().UTC()}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if w.data != nil {
		w.data.Close()
	}
	f, err := os.OpenFile(filepath.Join(w.dir, ingestData), os.O_RDWR|os.O_CREATE|os.O_TRUNC|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	w.data = f
	return writeFileAtomic(filepath.Join(w.dir, ingestStatus), b, 0o600)
}

// Ref is the name the writer was opened with.
func (w *Writer) Ref() string { return w.ref }

// Offset is how many bytes the ingest holds: where a resumed download
// continues (an HTTP Range of "bytes=Offset-").
func (w *Writer) Offset() int64 { return w.offset }

// Digest is the digest of the bytes written so far.
func (w *Writer) Digest() digest.Digest { return w.digester.Digest() }

// Reset empties the ingest, for a caller that cannot resume at Offset
// (a registry that ignores Range).
func (w *Writer) Reset() error {
	if w.err != nil {
		return w.err
	}
	if err := w.data.Truncate(0); err != nil {
		return fmt.Errorf("ingest %q: %w", w.ref, err)
	}
	if _, err := w.data.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("ingest %q: %w", w.ref, err)
	}
	w.digester = w.expectedAlg().Digester()
	w.offset = 0
	return nil
}

func (w *Writer) expectedAlg() digest.Algorithm {
	if w.expected != "" {
		return w.expected.Algorithm()
	}
	return digest.Canonical
}

// Write appends p. Writing past the expected size aborts the ingest: a
// server that sends more than the descriptor said is not trusted to fill
// the disk.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.size >= 0 && w.offset+int64(len(p)) > w.size {
		err := fmt.Errorf("ingest %q: more than the expected %d bytes: %w", w.ref, w.size, errdefs.ErrInvalidArgument)
		return 0, errors.Join(err, w.finish(err))
	}
	n, err := w.data.Write(p)
	w.digester.Hash().Write(p[:n])
	w.offset += int64(n)
	if err != nil {
		return n, fmt.Errorf("ingest %q: %w", w.ref, err)
	}
	return n, nil
}

// Commit checks the ingest against the expected size and digest and, if
// they match, makes it the blob named by its digest, with labels merged
// into the blob's (see SetLabels). If that blob exists already (another
// ref committed it meanwhile), Commit succeeds all the same. Either way,
// and on a mismatch too, the ingest is gone afterwards and the Writer is
// finished.
func (w *Writer) Commit(labels map[string]string) error {
	if w.err != nil {
		return w.err
	}
	err := w.commit(labels)
	if err != nil {
		err = fmt.Errorf("committing %q: %w", w.ref, err)
	}
	return errors.Join(err, w.finish(errWriterDone))
}

func (w *Writer) commit(labels map[string]string) error {
	if w.size >= 0 && w.offset != w.size {
		return fmt.Errorf("size mismatch: wrote %d bytes, expected %d: %w", w.offset, w.size, errdefs.ErrInvalidArgument)
	}
	dgst := w.digester.Digest()
	if w.expected != "" && dgst != w.expected {
		return fmt.Errorf("digest mismatch: content is %s, expected %s: %w", dgst, w.expected, errdefs.ErrInvalidArgument)
	}
	// If the blob exists already, it is replaced all the same: the rename
	// costs no more than skipping, and the new bytes are verified while
	// the old ones may have rotted on disk since.
	target := w.s.blobPath(dgst)
	// The data must be on disk before the rename makes it visible, or a
	// power loss could leave a named blob with missing bytes.
	if err := w.data.Chmod(0o444); err != nil {
		return err
	}
	if err := w.data.Sync(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return err
	}
	// Labels first: a blob is never visible without them (a GC root label
	// missing for a moment would let GC take it).
	if err := w.s.updateLabels(dgst, labels); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(w.dir, ingestData), target); err != nil {
		return err
	}
	return syncDir(filepath.Dir(target))
}

// Close ends the writer but keeps the ingest, so a later Ingest of the same
// ref resumes it. It is a no-op after Commit or Abort.
func (w *Writer) Close() error {
	if w.err != nil {
		return nil
	}
	w.err = errWriterDone
	w.release()
	return nil
}

// Abort ends the writer and removes the ingest.
func (w *Writer) Abort() error {
	if w.err != nil {
		return nil
	}
	return w.finish(errWriterDone)
}

// finish removes the ingest, releases the locks and makes every later call
// return err.
func (w *Writer) finish(err error) error {
	w.err = err
	if w.data != nil {
		w.data.Close()
		w.data = nil
	}
	var rerr error
	if w.lock != nil {
		rerr = removeIngest(w.dir, w.lock)
		w.lock = nil
	}
	w.release()
	return rerr
}

func (w *Writer) release() {
	for _, f := range []**os.File{&w.data, &w.lock, &w.lease} {
		if *f != nil {
			(*f).Close()
			*f = nil
		}
	}
}
