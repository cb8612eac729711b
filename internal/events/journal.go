package events

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultMaxSize is the size past which the journal rotates: about 15,000
// events, the current file and the previous one together twice that.
const DefaultMaxSize = 4 << 20

// Journal is the events file at one path, open for appending and reading.
// It is safe for concurrent use by goroutines and, through the file system,
// by any number of processes.
type Journal struct {
	path    string
	maxSize int64

	mu   sync.Mutex // serialises this process's appends and rotations
	lock *os.File   // path+".lock": shared for appends, exclusive to rotate
	f    *os.File   // the file appends go to; reopened after a rotation
}

// Open opens the journal at path, creating it and its directory if need
// be. Readers and writers open it the same way.
func Open(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("creating events directory: %w", err)
	}
	lock, err := openLock(path)
	if err != nil {
		return nil, err
	}
	f, err := openAppend(path)
	if err != nil {
		lock.Close()
		return nil, err
	}
	return &Journal{path: path, maxSize: DefaultMaxSize, lock: lock, f: f}, nil
}

// Close releases the journal's files; Append fails after it. A Read in
// progress has files of its own and goes on until its context ends.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.f.Close()
	if lerr := j.lock.Close(); err == nil {
		err = lerr
	}
	return err
}

// Append writes e to the journal, stamping it with the current time if
// its Time is zero. Once it returns, every reader can see the event.
func (j *Journal) Append(e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	line, err := encodeLine(e)
	if err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	size, err := j.write(line)
	if err != nil {
		return fmt.Errorf("appending to events journal %s: %w", j.path, err)
	}
	if size > j.maxSize {
		if err := j.rotate(); err != nil {
			return fmt.Errorf("rotating events journal %s: %w", j.path, err)
		}
	}
	return nil
}

// write appends line under the shared lock, to the file now at the path
// (another process may have rotated the one we had open), and returns the
// file's size after it.
func (j *Journal) write(line []byte) (int64, error) {
	if err := flock(j.lock, unix.LOCK_SH); err != nil {
		return 0, err
	}
	defer flock(j.lock, unix.LOCK_UN)
	if stale, err := j.stale(); err != nil {
		return 0, err
	} else if stale {
		f, err := openAppend(j.path)
		if err != nil {
			return 0, err
		}
		j.f.Close()
		j.f = f
	}
	if _, err := j.f.Write(line); err != nil {
		return 0, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(j.f.Fd()), &st); err != nil {
		return 0, err
	}
	return st.Size, nil
}

// stale reports whether j.f is no longer the file at j.path.
func (j *Journal) stale() (bool, error) {
	var open, named unix.Stat_t
	if err := unix.Fstat(int(j.f.Fd()), &open); err != nil {
		return false, err
	}
	if err := unix.Stat(j.path, &named); err != nil {
		if os.IsNotExist(err) {
			return true, nil // removed by hand: start a new one
		}
		return false, err
	}
	return !sameFile(&open, &named), nil
}

// rotate renames the journal to path.1 and starts a new one, unless
// another process has done so since our append made it too large.
func (j *Journal) rotate() error {
	if err := flock(j.lock, unix.LOCK_EX); err != nil {
		return err
	}
	defer flock(j.lock, unix.LOCK_UN)
	var st unix.Stat_t
	if err := unix.Stat(j.path, &st); err != nil || st.Size <= j.maxSize {
		return nil // rotated already, or gone: the next append starts anew
	}
	if err := os.Rename(j.path, j.path+".1"); err != nil {
		return err
	}
	// Create the new file before readers can look: they open the journal
	// under the shared lock and must always find it.
	f, err := openAppend(j.path)
	if err != nil {
		return err
	}
	j.f.Close()
	j.f = f
	return nil
}

func openAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening events journal: %w", err)
	}
	return f, nil
}

func openLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening events journal lock: %w", err)
	}
	return f, nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

func sameFile(a, b *unix.Stat_t) bool { return a.Dev == b.Dev && a.Ino == b.Ino }
