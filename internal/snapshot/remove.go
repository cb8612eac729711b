package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/trash"
)

// Remove deletes the snapshot key. A snapshot that is another's parent is
// refused with ErrConflict. The record goes first and the directory after,
// so a crash in between leaves an orphan directory for Cleanup, never a
// record without a directory.
func (s *Store) Remove(ctx context.Context, key string) error {
	id, err := s.forget(key)
	if err != nil {
		return err
	}
	// Outside the lock: ids are never reused, so nothing new can be here.
	if err := os.RemoveAll(s.dir(id)); err != nil {
		return fmt.Errorf("removing snapshot %q: directory left for Cleanup: %w", key, err)
	}
	return nil
}

// Discard removes the snapshot key as Remove does, except that its
// directory is only moved into the store's trash (TrashDir), to be deleted
// later by EmptyTrash, Cleanup or whoever empties that directory. Deleting
// a snapshot's directories is the costliest file system work of a short
// container: a filesystem mounted with discard (as cloud disks often are)
// trims each freed directory block on the spot, 0.1 to 0.5 ms apiece on the
// machine docs/benchmarks.md measures. A rename costs one directory entry,
// and the deletion can then happen where nobody waits for it.
func (s *Store) Discard(ctx context.Context, key string) error {
	id, err := s.forget(key)
	if err != nil {
		return err
	}
	if err := trash.Put(s.dir(id), s.TrashDir(), id); err != nil {
		return fmt.Errorf("removing snapshot %q: directory left for Cleanup: %w", key, err)
	}
	return nil
}

// forget removes the record of the snapshot key and returns its directory
// id.
func (s *Store) forget(key string) (id string, err error) {
	err = s.update(func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("snapshot %q: %w", key, errdefs.ErrNotFound)
		}
		if kids := md.children(key); len(kids) > 0 {
			return fmt.Errorf("snapshot %q is the parent of %s; remove those first: %w",
				key, quoteList(kids), errdefs.ErrConflict)
		}
		if err := s.checkUnmounted(key, r); err != nil {
			return err
		}
		delete(md.Snapshots, key)
		id = r.ID
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("removing snapshot %q: %w", key, err)
	}
	return id, nil
}

// TrashDir is where Discard moves the directories of removed snapshots.
// Anything in it may be deleted at any time, by any process.
func (s *Store) TrashDir() string { return filepath.Join(s.root, "trash") }

// EmptyTrash deletes what Discard moved aside.
func (s *Store) EmptyTrash() error { return trash.Empty(s.TrashDir()) }

// Cleanup removes what crashed operations left behind: snapshot directories
// with no record, staging directories whose creator is gone (their flock is
// free), a half-written metadata file and the trash (see Discard). Run it
// when hull starts; it is safe while other processes use the store.
func (s *Store) Cleanup(ctx context.Context) error {
	return s.locked(func(md *metadata) error {
		os.Remove(s.metadataPath() + ".tmp")
		os.Remove(s.volatilePath() + ".tmp")
		known := make(map[string]bool, len(md.Snapshots))
		for _, r := range md.Snapshots {
			known[r.ID] = true
		}
		var errs []error
		errs = append(errs, removeUnknown(filepath.Join(s.root, "snapshots"), func(p string) bool { return !known[filepath.Base(p)] }))
		errs = append(errs, removeUnknown(filepath.Join(s.root, "staging"), abandoned))
		errs = append(errs, s.EmptyTrash())
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("cleaning up snapshot store: %w", err)
		}
		return nil
	})
}

// removeUnknown removes every entry of dir that orphan picks.
func removeUnknown(dir string, orphan func(path string) bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if orphan(p) {
			errs = append(errs, os.RemoveAll(p))
		}
	}
	return errors.Join(errs...)
}

// abandoned reports whether no live process holds the staging directory's lock.
func abandoned(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
