// Package trash is for directories whose deletion nobody should wait for.
// Put moves one aside, into a trash directory on the same filesystem, in
// a single rename; Empty, run later by whoever is not in a hurry, deletes
// what the trash holds. On a filesystem mounted with discard, deleting a
// directory trims its blocks on the spot, 0.1 to 0.5 ms each where
// docs/benchmarks.md measures: a `hull run --rm` puts its container's
// files in the trash and its monitor empties it.
//
// Everything in a trash directory may be deleted at any time, by any
// process: several may empty the same one at once.
package trash

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Put moves path into the trash directory dir as name. Where it cannot (dir
// on another filesystem, say), it deletes path at once instead.
func Put(path, dir, name string) error {
	if os.Rename(path, filepath.Join(dir, name)) == nil {
		return nil
	}
	if err := os.RemoveAll(path); err != nil {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}

// Empty deletes everything in dir but dir itself. What another process
// deleted first is no error.
func Empty(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	var errs []error
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
