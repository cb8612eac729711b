package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// locked runs fn holding the store's lock, exclusive for writers. The lock
// is a flock on a file of its own, opened anew each time: flock belongs to
// an open file description, so this excludes other goroutines of this
// process as well as other processes.
func (s *Store) locked(ctx context.Context, exclusive bool, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.dir, lockFile), os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("opening lock: %w", err)
	}
	defer f.Close()
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("locking %s: %w", s.dir, err)
	}
	defer unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return fn()
}

// read loads the record for a normalised name.
func (s *Store) read(name string) (Image, error) {
	img, err := readRecord(s.path(name))
	if os.IsNotExist(err) {
		return Image{}, fmt.Errorf("no such image: %w", errdefs.ErrNotFound)
	}
	if err == nil && img.Name != name {
		err = fmt.Errorf("record %s holds %q, not %q", s.path(name), img.Name, name)
	}
	return img, err
}

// readAll loads every record in the directory.
func (s *Store) readAll() ([]Image, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var list []Image
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		img, err := readRecord(filepath.Join(s.dir, e.Name()))
		if err != nil {
			return nil, err
		}
		list = append(list, img)
	}
	return list, nil
}

func readRecord(path string) (Image, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Image{}, err
	}
	var img Image
	if err := json.Unmarshal(data, &img); err != nil {
		return Image{}, fmt.Errorf("corrupt image record %s: %w", path, err)
	}
	return img, nil
}

// write replaces the record for img.Name atomically.
func (s *Store) write(img Image) error {
	data, err := json.MarshalIndent(img, "", "\t")
	if err != nil {
		return err
	}
	return writeFileAtomic(s.path(img.Name), data)
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it over path, then syncs the directory so the rename itself
// survives a crash. The temporary name starts with '.', which readAll skips.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(append(data, '\n')); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
