package snapshot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Prepare makes the active snapshot key on top of the committed snapshot
// parent ("" for none) and returns the mounts that show it writable.
func (s *Store) Prepare(ctx context.Context, key, parent string, opts ...Opt) ([]specs.Mount, error) {
	m, err := s.create(ctx, KindActive, key, parent, opts)
	if err != nil {
		return nil, fmt.Errorf("preparing snapshot %q: %w", key, err)
	}
	return m, nil
}

// View makes the read-only snapshot key showing parent and returns its
// mounts. Nothing is copied, even with the copy driver.
func (s *Store) View(ctx context.Context, key, parent string, opts ...Opt) ([]specs.Mount, error) {
	m, err := s.create(ctx, KindView, key, parent, opts)
	if err != nil {
		return nil, fmt.Errorf("viewing snapshot %q: %w", key, err)
	}
	return m, nil
}

// create builds the snapshot's directory in staging/ without the store
// lock (a copy can take long), then under the lock moves it to
// snapshots/<id> and records it. A crash before the move leaves a staging
// directory, after it an unrecorded one; Cleanup removes both.
func (s *Store) create(ctx context.Context, kind Kind, key, parent string, opts []Opt) ([]specs.Mount, error) {
	if key == "" {
		return nil, fmt.Errorf("empty key: %w", errdefs.ErrInvalidArgument)
	}
	var md *metadata
	if err := s.read(func(m *metadata) error { md = m; return nil }); err != nil {
		return nil, err
	}
	if err := checkNew(md, key, parent); err != nil {
		return nil, err
	}
	copyFrom := ""
	if s.driver == DriverCopy && kind == KindActive && parent != "" {
		copyFrom = s.fsDir(md.Snapshots[parent].ID)
	}
	st, err := s.stage(ctx, copyFrom)
	if err != nil {
		return nil, err
	}
	defer st.release()

	info := Info{}
	for _, o := range opts {
		o(&info)
	}
	var mounts []specs.Mount
	err = s.update(func(md *metadata) error {
		if err := checkNew(md, key, parent); err != nil {
			return err
		}
		id, err := st.place(s, md, info.Volatile)
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		r := &record{ID: id, Kind: kind, Parent: parent, Labels: info.Labels, Created: now, Updated: now, Volatile: info.Volatile}
		md.Snapshots[key] = r
		mounts, err = s.mounts(md, r)
		return err
	})
	return mounts, err
}

// checkNew tells whether key may be created on parent.
func checkNew(md *metadata, key, parent string) error {
	if _, ok := md.Snapshots[key]; ok {
		return fmt.Errorf("snapshot %q: %w", key, errdefs.ErrAlreadyExists)
	}
	if parent == "" {
		return nil
	}
	p, ok := md.Snapshots[parent]
	if !ok {
		return fmt.Errorf("parent %q: %w", parent, errdefs.ErrNotFound)
	}
	if p.Kind != KindCommitted {
		return fmt.Errorf("parent %q is %s, not committed: %w", parent, p.Kind, errdefs.ErrInvalidArgument)
	}
	return nil
}

// staged is a snapshot directory under construction in ROOT/staging. Its
// creator holds a flock on it, so Cleanup in any process can tell a live
// one (lock held) from one left by a crash (lock free).
type staged struct {
	dir    string
	lock   *os.File
	placed bool
}

func (s *Store) stage(ctx context.Context, copyFrom string) (*staged, error) {
	dir, err := os.MkdirTemp(filepath.Join(s.root, "staging"), "new-")
	if err != nil {
		return nil, err
	}
	st := &staged{dir: dir}
	if st.lock, err = os.Open(dir); err == nil {
		err = flock(st.lock, unix.LOCK_EX)
	}
	if err == nil {
		err = os.Mkdir(filepath.Join(dir, "fs"), 0o755)
	}
	if err == nil && s.driver == DriverOverlay {
		err = os.Mkdir(filepath.Join(dir, "work"), 0o700)
	}
	if err == nil && copyFrom != "" {
		err = copyTree(ctx, copyFrom, filepath.Join(dir, "fs"))
	}
	if err != nil {
		st.release()
		return nil, fmt.Errorf("making snapshot directory: %w", err)
	}
	return st, nil
}

// place moves the staged directory to snapshots/<id> under a fresh id.
// Ids left by a crash (a directory exists but was never recorded) are
// skipped rather than reused. A volatile snapshot's id is random, with a
// "v" before it: taking the next number would change the durable file.
func (st *staged) place(s *Store, md *metadata, volatile bool) (string, error) {
	next := md.NextID
	for {
		id := strconv.FormatUint(next, 10)
		if volatile {
			id = "v" + strconv.FormatUint(rand.Uint64(), 36)
		}
		err := unix.Renameat2(unix.AT_FDCWD, st.dir, unix.AT_FDCWD, s.dir(id), unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EEXIST) {
			next++
			continue
		}
		if err != nil {
			return "", fmt.Errorf("moving snapshot directory into place: %w", err)
		}
		st.placed = true
		if !volatile {
			md.NextID = next + 1
		}
		return id, nil
	}
}

// release drops the staging lock and, unless the directory was placed,
// removes it.
func (st *staged) release() {
	if !st.placed {
		os.RemoveAll(st.dir)
	}
	if st.lock != nil {
		st.lock.Close()
	}
}
