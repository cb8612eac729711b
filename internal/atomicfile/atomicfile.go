// Package atomicfile replaces small files whole: a reader sees the old
// content or the new, never part of either, whatever process is killed
// when.
//
// Write renames a temporary file over the old one, the usual way. On ext4
// that rename is also a promise about crashes: replacing an existing file
// by rename makes ext4 allocate and start writing the new file's blocks at
// once (its auto_da_alloc heuristic), so that a power loss does not leave
// an empty file behind, and frees the old file's blocks, which a
// filesystem mounted with discard trims on the spot. Both cost a short
// container dearly: about 0.45 ms a rename where docs/benchmarks.md
// measures, four of them in a `hull run --rm`.
//
// WriteVolatile is for files that need not survive a crash, such as the
// records of a container that is removed when it exits: it swaps the
// temporary file with the old one (RENAME_EXCHANGE, to which the heuristic
// does not apply) and unlinks the old content, which was never written
// out, so no block is allocated or freed. Readers see the same atomic
// replacement.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Write replaces path with data, mode perm, through a temporary file in the
// same directory renamed over it.
func Write(path string, data []byte, perm os.FileMode) error {
	tmp, err := stage(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WriteVolatile replaces path as Write does, for a file whose content may
// be lost in a crash (see the package comment).
func WriteVolatile(path string, data []byte, perm os.FileMode) error {
	tmp, err := stage(path, data, perm)
	if err != nil {
		return err
	}
	err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_EXCHANGE)
	if err == nil {
		os.Remove(tmp) // now the old content
		return nil
	}
	// No file to swap with yet, or a filesystem that cannot swap: a
	// rename onto a missing file costs nothing more.
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		if err = os.Rename(tmp, path); err == nil {
			return nil
		}
	}
	os.Remove(tmp)
	return fmt.Errorf("writing %s: %w", path, err)
}

// stage writes data to a new temporary file beside path and returns its
// name.
func stage(path string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil && perm != 0o600 { // CreateTemp's own mode
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Name(), nil
}
