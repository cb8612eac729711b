package volume

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// CreateOptions describe a volume to create.
type CreateOptions struct {
	// Name of the volume; "" makes an anonymous one with a random name.
	Name string
	// Driver is "" or "local"; no other driver exists.
	Driver string
	Labels map[string]string
	// Options of the local driver: type, device and o, as mount(8) takes
	// them. None makes _data a plain directory.
	Options map[string]string
}

// Create makes a volume, or returns the existing one of that name: as in
// Docker, creating is idempotent, so `-v data:/x` may create or reuse.
// Asking for options other than those the existing volume has is a
// conflict; asking for none accepts whatever it has. Labels of an existing
// volume are never changed.
func (s *Store) Create(opts CreateOptions) (*Volume, error) {
	if opts.Driver != "" && opts.Driver != DriverLocal {
		return nil, fmt.Errorf("error looking up volume plugin %s: plugin %q not found: %w",
			opts.Driver, opts.Driver, errdefs.ErrNotFound)
	}
	rec := &record{Name: opts.Name, Driver: DriverLocal, Labels: maps.Clone(opts.Labels),
		Options: maps.Clone(opts.Options), CreatedAt: time.Now().UTC().Truncate(time.Second)}
	if rec.Name == "" {
		rec.Name = randomName()
		if rec.Labels == nil {
			rec.Labels = map[string]string{}
		}
		rec.Labels[LabelAnonymous] = ""
	}
	if err := checkName(rec.Name); err != nil {
		return nil, err
	}
	if len(rec.Labels) == 0 {
		rec.Labels = nil
	}
	if len(rec.Options) == 0 {
		rec.Options = nil
	}
	if err := checkOptions(rec.Options); err != nil {
		return nil, fmt.Errorf("create %s: %w", rec.Name, err)
	}
	unlock, err := s.lockForCreate()
	if err != nil {
		return nil, err
	}
	defer unlock()
	for range 8 {
		v, err := s.existing(rec)
		if !errdefs.IsNotFound(err) {
			return v, err
		}
		created, err := s.createNew(rec)
		if err != nil || created {
			return s.volume(rec), err
		}
		// Someone else created it first: take theirs on the next turn.
	}
	return nil, fmt.Errorf("create %s: the name keeps changing hands: %w", rec.Name, errdefs.ErrConflict)
}

// existing returns the volume called rec.Name if it exists and agrees with
// rec's options. A directory of that name without volume.json is the
// leftover of something killed; existing deletes it and reports not found.
func (s *Store) existing(rec *record) (*Volume, error) {
	have, err := readRecord(s.dir(rec.Name))
	if errdefs.IsNotFound(err) {
		s.cleanGarbage(rec.Name)
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	if rec.Options != nil && !maps.Equal(rec.Options, have.Options) {
		return nil, fmt.Errorf("create %s: volume already exists with different options: %w",
			rec.Name, errdefs.ErrConflict)
	}
	return s.volume(have), nil
}

// createNew builds the volume under a temporary name and renames it into
// place, reporting false if the name was taken meanwhile.
func (s *Store) createNew(rec *record) (bool, error) {
	tmp, err := os.MkdirTemp(s.root, tmpPrefix)
	if err != nil {
		return false, fmt.Errorf("create %s: %w", rec.Name, err)
	}
	if err := fill(tmp, rec); err != nil {
		os.RemoveAll(tmp)
		return false, fmt.Errorf("create %s: %w", rec.Name, err)
	}
	err = renameNoReplace(tmp, s.dir(rec.Name))
	if errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOTEMPTY) {
		os.RemoveAll(tmp)
		return false, nil
	}
	if err != nil {
		os.RemoveAll(tmp)
		return false, fmt.Errorf("create %s: %w", rec.Name, err)
	}
	return true, nil
}

// fill makes dir a whole volume: _data, refs/ and volume.json.
func fill(dir string, rec *record) error {
	if err := os.Chmod(dir, 0o701); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, dataDir), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(filepath.Join(dir, refsDir), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, metadataFile), b, 0o644)
}

// renameNoReplace renames a directory unless newpath exists, falling back
// to rename(2) (which refuses a non-empty target) on filesystems without
// RENAME_NOREPLACE.
func renameNoReplace(oldpath, newpath string) error {
	err := unix.Renameat2(unix.AT_FDCWD, oldpath, unix.AT_FDCWD, newpath, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		err = unix.Rename(oldpath, newpath)
	}
	return err
}

// lockForCreate holds ROOT/.lock shared for the caller's lifetime of a
// .tmp-* directory. If nobody holds it, the .tmp-* directories present are
// abandoned, and are deleted first.
func (s *Store) lockForCreate() (unlock func(), err error) {
	f, err := s.openRootLock()
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	if ok, _ := tryFlock(fd, unix.LOCK_EX); ok {
		s.cleanAbandoned(true)
	}
	if err := flock(fd, unix.LOCK_SH); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking volume store: %w", err)
	}
	return func() { f.Close() }, nil
}

func randomName() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
