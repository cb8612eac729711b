package volume

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Remove deletes a volume and its data. A volume some container uses is
// refused with a conflict that names the containers, Docker's
// "remove NAME: volume is in use - [ID1, ID2]"; there is no force that
// overrides it. The data of a bind volume's device is never touched.
func (s *Store) Remove(name string) error {
	l, err := s.lock(name)
	if err != nil {
		return err
	}
	defer l.unlock()
	return l.remove()
}

// remove deletes the locked volume unless it is in use.
func (l *locked) remove() error {
	users, err := l.users()
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return fmt.Errorf("remove %s: volume is in use - [%s]: %w",
			l.rec.Name, strings.Join(users, ", "), errdefs.ErrConflict)
	}
	if err := l.unmountDevice(); err != nil {
		return fmt.Errorf("remove %s: %w", l.rec.Name, err)
	}
	if ms, err := mountsUnder(l.dir()); err != nil || len(ms) > 0 {
		if err == nil {
			err = fmt.Errorf("%s is mounted: %w", ms[0], errdefs.ErrConflict)
		}
		return fmt.Errorf("remove %s: %w", l.rec.Name, err)
	}
	// The rename is the moment the volume stops existing; what follows is
	// cleaning up, which the next Create or Prune finishes if we die.
	trash, err := l.s.moveToTrash(l.dir())
	if err != nil {
		return fmt.Errorf("remove %s: %w", l.rec.Name, err)
	}
	if err := removeTree(trash); err != nil {
		return fmt.Errorf("remove %s: volume removed, its directory not: %w", l.rec.Name, err)
	}
	return nil
}

// removeTree deletes dir and everything below it without following
// symlinks, unless something is mounted at or below it: deleting through a
// mount would delete the device's data.
func removeTree(dir string) error {
	ms, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	if len(ms) > 0 {
		return fmt.Errorf("not deleting %s: %s is mounted: %w", dir, ms[0], errdefs.ErrConflict)
	}
	return os.RemoveAll(dir)
}

// cleanAbandoned deletes what killed processes left in the root: .trash-*
// directories whose remover no longer holds their lock and, when the
// caller holds ROOT/.lock exclusively (tmpToo), every .tmp-* directory.
// Errors are ignored: cleaning is best effort and is tried again later.
func (s *Store) cleanAbandoned(tmpToo bool) {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		path := filepath.Join(s.root, e.Name())
		switch {
		case strings.HasPrefix(e.Name(), tmpPrefix) && tmpToo:
			removeTree(path)
		case strings.HasPrefix(e.Name(), trashPrefix):
			fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
			if err != nil {
				continue
			}
			if ok, _ := tryFlock(fd, unix.LOCK_EX); ok && sameDir(fd, path) {
				removeTree(path)
			}
			unix.Close(fd)
		}
	}
}

// cleanGarbage deletes ROOT/name if it is a directory without volume.json.
// Volumes appear by rename with volume.json inside and leave by rename, so
// such a directory belongs to no volume, past or future.
func (s *Store) cleanGarbage(name string) {
	if !validName(name) {
		return
	}
	dir := s.dir(name)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	if flock(fd, unix.LOCK_EX) != nil || !sameDir(fd, dir) {
		return
	}
	if _, err := os.Lstat(filepath.Join(dir, metadataFile)); !os.IsNotExist(err) {
		return
	}
	if trash, err := s.moveToTrash(dir); err == nil {
		removeTree(trash)
	}
}

// moveToTrash renames dir to a fresh .trash-* name in the root. The caller
// holds dir's flock, which tells cleaners the trash is still being dealt
// with.
func (s *Store) moveToTrash(dir string) (string, error) {
	for {
		trash := filepath.Join(s.root, trashPrefix+randomName()[:16])
		err := renameNoReplace(dir, trash)
		if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
			continue
		}
		return trash, err
	}
}
