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
)

// Remove deletes the snapshot key. A snapshot that is another's parent is
// refused with ErrConflict. The record goes first and the directory after,
// so a crash in between leaves an orphan directory for Cleanup, never a
// record without a directory.
func (s *Store) Remove(ctx context.Context, key string) error {
	var id string
	err := s.update(func(md *metadata) error {
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
		return fmt.Errorf("removing snapshot %q: %w", key, err)
	}
	// Outside the lock: ids are never reused, so nothing new can be here.
	if err := os.RemoveAll(s.dir(id)); err != nil {
		return fmt.Errorf("removing snapshot %q: directory left for Cleanup: %w", key, err)
	}
	return nil
}

// Cleanup removes what crashed operations left behind: snapshot directories
// with no record, staging directories whose creator is gone (their flock is
// free) and a half-written metadata file. Run it when hull starts; it is
// safe while other processes use the store.
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
