package content

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"
)

// An ingest is a directory ingest/<sha256 of ref>/ holding:
//
//	lock         flock'd by the one writer of this ref
//	status.json  ingestStatus, written once when the ingest starts
//	data         the bytes written so far; its length is the offset
//
// Hashing the ref gives a fixed-length, path-safe name for any ref string.

const (
	ingestLock   = "lock"
	ingestStatus = "status.json"
	ingestData   = "data"
)

// status is what status.json holds: what the ingest was started for, so a
// resume with different expectations starts over instead of mixing blobs.
type status struct {
	Ref       string        `json:"ref"`
	Expected  digest.Digest `json:"expected,omitempty"`
	Size      int64         `json:"size"`
	StartedAt time.Time     `json:"startedAt"`
}

// IngestStatus describes an unfinished write.
type IngestStatus struct {
	Ref       string
	Expected  digest.Digest // "" when the writer did not say
	Total     int64         // expected size, or UnknownSize
	Offset    int64         // bytes written so far
	StartedAt time.Time
	UpdatedAt time.Time // last write
}

func (s *Local) ingestDir(ref string) string {
	sum := sha256.Sum256([]byte(ref))
	return filepath.Join(s.root, dirIngest, hex.EncodeToString(sum[:]))
}

// lockIngest creates the ingest directory if needed and takes its lock,
// waiting until ctx ends for another writer of the same ref.
func lockIngest(ctx context.Context, dir string) (*os.File, error) {
	for {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			// EEXIST: another writer made the directory and removed it
			// again between MkdirAll's mkdir and its check.
			if errors.Is(err, fs.ErrExist) && ctx.Err() == nil {
				continue
			}
			return nil, err
		}
		path := filepath.Join(dir, ingestLock)
		f, err := lockPath(ctx, path, lockExclusive)
		if errors.Is(err, fs.ErrNotExist) {
			continue // the previous holder removed the directory meanwhile
		}
		if err != nil {
			return nil, err
		}
		if sameFile(f, path) {
			return f, nil
		}
		f.Close() // we waited on a lock file its holder has since unlinked
	}
}

// removeIngest deletes an ingest whose lock the caller holds, then drops
// the lock. The lock file goes last, and alone: once it is unlinked another
// writer may create a new one in the same directory, which must survive —
// hence no RemoveAll, and a failing rmdir is fine.
func removeIngest(dir string, lock *os.File) error {
	defer lock.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == ingestLock {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if err := os.Remove(filepath.Join(dir, ingestLock)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	err = os.Remove(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) {
		return err
	}
	return nil
}

func readStatus(dir string) (status, error) {
	var st status
	b, err := os.ReadFile(filepath.Join(dir, ingestStatus))
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("reading %s: %w", filepath.Join(dir, ingestStatus), err)
	}
	return st, nil
}

// ListIngests describes the unfinished writes: live ones and interrupted
// ones alike (a live writer holds the lock; this does not look).
func (s *Local) ListIngests(ctx context.Context) ([]IngestStatus, error) {
	entries, err := os.ReadDir(filepath.Join(s.root, dirIngest))
	if err != nil {
		return nil, fmt.Errorf("listing ingests: %w", err)
	}
	var out []IngestStatus
	for _, e := range entries {
		dir := filepath.Join(s.root, dirIngest, e.Name())
		st, err := readStatus(dir)
		if err != nil {
			continue // being created or removed, or a crash before status
		}
		in := IngestStatus{Ref: st.Ref, Expected: st.Expected, Total: st.Size, StartedAt: st.StartedAt, UpdatedAt: st.StartedAt}
		if fi, err := os.Stat(filepath.Join(dir, ingestData)); err == nil {
			in.Offset, in.UpdatedAt = fi.Size(), fi.ModTime()
		}
		out = append(out, in)
	}
	return out, nil
}

// CleanIngests removes the ingests nobody is writing that have not been
// written to for olderThan: what pulls killed or abandoned left behind.
// An ingest whose writer is alive is never touched, however old. It
// returns how many it removed.
func (s *Local) CleanIngests(ctx context.Context, olderThan time.Duration) (int, error) {
	entries, err := os.ReadDir(filepath.Join(s.root, dirIngest))
	if err != nil {
		return 0, fmt.Errorf("cleaning ingests: %w", err)
	}
	cutoff := time.Now().Add(-olderThan)
	removed := 0
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		ok, err := cleanIngest(filepath.Join(s.root, dirIngest, e.Name()), cutoff)
		if err != nil {
			return removed, fmt.Errorf("cleaning ingest %s: %w", e.Name(), err)
		}
		if ok {
			removed++
		}
	}
	return removed, nil
}

// cleanIngest removes one ingest if it is idle and older than cutoff.
func cleanIngest(dir string, cutoff time.Time) (bool, error) {
	path := filepath.Join(dir, ingestLock)
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_CLOEXEC, 0)
	if errors.Is(err, fs.ErrNotExist) {
		// No lock file: a removal was interrupted, or a writer is between
		// its mkdir and its open. Removing the directory is right for the
		// first, and harmless for the second, which then retries; a
		// directory with anything in it stays.
		return os.Remove(dir) == nil, nil
	} else if err != nil {
		return false, err
	}
	if ok, err := flockTry(f, lockExclusive); err != nil || !ok || !sameFile(f, path) {
		f.Close()
		return false, err
	}
	if lastWrite(dir).After(cutoff) {
		f.Close()
		return false, nil
	}
	return true, removeIngest(dir, f)
}

// lastWrite is the newest mtime among an ingest's files.
func lastWrite(dir string) time.Time {
	var t time.Time
	for _, name := range []string{ingestData, ingestStatus} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	if t.IsZero() { // a crash before anything was written: age by the directory
		if fi, err := os.Stat(dir); err == nil {
			t = fi.ModTime()
		}
	}
	return t
}
