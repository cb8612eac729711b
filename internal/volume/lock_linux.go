package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// flock(2) locks belong to the open file description, so two goroutines
// that each open a volume exclude each other exactly as two processes do,
// and the kernel drops them when a process dies: a kill -9 never leaves a
// volume locked.

// locked is a volume whose directory this process holds the flock on.
type locked struct {
	s   *Store
	fd  int // ROOT/<name>, O_RDONLY|O_DIRECTORY, flocked
	rec *record
}

// lock takes the volume's flock, waiting for any other holder. It fails
// with not found when the name does not lead to a volume, including when
// the volume was removed while this call waited.
func (s *Store) lock(name string) (*locked, error) {
	if !validName(name) {
		return nil, notFound(name)
	}
	dir := s.dir(name)
	for {
		fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP) {
			return nil, notFound(name)
		}
		if err != nil {
			return nil, fmt.Errorf("opening volume %s: %w", name, err)
		}
		if err := flock(fd, unix.LOCK_EX); err != nil {
			unix.Close(fd)
			return nil, fmt.Errorf("locking volume %s: %w", name, err)
		}
		if !sameDir(fd, dir) {
			// Removed, and perhaps created again, while we waited.
			unix.Close(fd)
			continue
		}
		rec, err := readRecord(dir)
		if err != nil {
			unix.Close(fd)
			return nil, err
		}
		return &locked{s: s, fd: fd, rec: rec}, nil
	}
}

// unlock releases the flock by closing the directory.
func (l *locked) unlock() { unix.Close(l.fd) }

func (l *locked) dir() string  { return l.s.dir(l.rec.Name) }
func (l *locked) data() string { return filepath.Join(l.dir(), dataDir) }

// sameDir reports whether path still names the directory fd has open.
func sameDir(fd int, path string) bool {
	var a, b unix.Stat_t
	if unix.Fstat(fd, &a) != nil || unix.Lstat(path, &b) != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// flock takes a lock, blocking, and retries when a signal interrupts it.
func flock(fd, how int) error {
	for {
		err := unix.Flock(fd, how)
		if err != unix.EINTR {
			return err
		}
	}
}

// tryFlock takes a lock if nobody holds a conflicting one.
func tryFlock(fd, how int) (bool, error) {
	for {
		err := unix.Flock(fd, how|unix.LOCK_NB)
		switch err {
		case nil:
			return true, nil
		case unix.EINTR:
			continue
		case unix.EWOULDBLOCK:
			return false, nil
		default:
			return false, err
		}
	}
}

// openRootLock opens ROOT/.lock. Creators hold it shared while a .tmp-*
// directory of theirs exists; a cleaner that gets it exclusively knows
// every .tmp-* there is abandoned.
func (s *Store) openRootLock() (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(s.root, rootLockFile), os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening volume store lock: %w", err)
	}
	return f, nil
}
