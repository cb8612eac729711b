package snapshot

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// Driver is how a store builds snapshot trees.
type Driver string

const (
	// DriverOverlay stacks layers with overlayfs: Prepare is a mkdir.
	DriverOverlay Driver = "overlay"
	// DriverCopy gives every snapshot a full copy of its parent's tree,
	// for hosts (or backing filesystems) where overlayfs does not work.
	DriverCopy Driver = "copy"
)

// Options configure Open.
type Options struct {
	// Driver forces a driver. Empty means: the driver the store was made
	// with, or for a new store overlay if a probe mount in root works and
	// copy otherwise. A store keeps its driver for life, because a copy
	// store's layers hold whole trees and an overlay store's only changes.
	Driver Driver
}

// Store is a snapshotter keeping snapshots under one root directory. It is
// safe for concurrent use by goroutines and by several hull processes.
type Store struct {
	root   string
	driver Driver

	mu   sync.Mutex // guards lock; see update
	lock *os.File
}

var errClosed = fmt.Errorf("snapshot store is closed: %w", errdefs.ErrUnavailable)

// Open opens the store at root, creating it if needed.
func Open(root string, o Options) (*Store, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{root, filepath.Join(root, "snapshots"), filepath.Join(root, "staging"), filepath.Join(root, "trash")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating snapshot store: %w", err)
		}
	}
	lock, err := os.OpenFile(filepath.Join(root, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening snapshot store lock: %w", err)
	}
	s := &Store{root: root, lock: lock}
	// The metadata is written (and synced) only the first time, when the
	// driver is settled: every hull command opens the store, and a sync on
	// each would cost every one of them a disk flush.
	err = s.locked(func(md *metadata) error {
		first := md.Driver == ""
		if err := s.chooseDriver(md, o.Driver); err != nil || !first {
			return err
		}
		return s.save(md)
	})
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("opening snapshot store %s: %w", root, err)
	}
	return s, nil
}

// chooseDriver settles the driver of the store, recording it on first use.
// It runs under the store lock, so probes of two processes do not meet.
func (s *Store) chooseDriver(md *metadata, want Driver) error {
	switch {
	case want != "" && want != DriverOverlay && want != DriverCopy:
		return fmt.Errorf("unknown snapshot driver %q: %w", want, errdefs.ErrInvalidArgument)
	case md.Driver != "" && want != "" && want != md.Driver:
		return fmt.Errorf("store was made with driver %q, not %q: %w", md.Driver, want, errdefs.ErrInvalidArgument)
	case md.Driver != "":
		s.driver = md.Driver
	case want != "":
		s.driver = want
	case probeOverlay(filepath.Join(s.root, "staging")) == nil:
		s.driver = DriverOverlay
	default:
		s.driver = DriverCopy
	}
	md.Driver = s.driver
	return nil
}

// Root is the directory the store lives in.
func (s *Store) Root() string { return s.root }

// Driver is the driver the store uses.
func (s *Store) Driver() Driver { return s.driver }

// Close releases the lock file. Mounts made from the store stay.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return nil
	}
	err := s.lock.Close()
	s.lock = nil
	return err
}

func (s *Store) dir(id string) string   { return filepath.Join(s.root, "snapshots", id) }
func (s *Store) fsDir(id string) string { return filepath.Join(s.dir(id), "fs") }

// get loads the metadata and looks up one snapshot.
func (s *Store) get(key string) (*metadata, *record, error) {
	var md *metadata
	if err := s.read(func(m *metadata) error { md = m; return nil }); err != nil {
		return nil, nil, err
	}
	r, ok := md.Snapshots[key]
	if !ok {
		return nil, nil, fmt.Errorf("snapshot %q: %w", key, errdefs.ErrNotFound)
	}
	return md, r, nil
}

// Stat describes the snapshot key.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	_, r, err := s.get(key)
	if err != nil {
		return Info{}, err
	}
	return r.info(key), nil
}

// Exists reports whether key names a snapshot. Unpackers name committed
// layers by chain ID and call this to skip layers already present.
func (s *Store) Exists(ctx context.Context, key string) bool {
	_, _, err := s.get(key)
	return err == nil
}

// Walk calls fn with every snapshot in name order, from one consistent
// reading of the metadata; it stops at the first error fn returns.
func (s *Store) Walk(ctx context.Context, fn func(Info) error) error {
	var md *metadata
	if err := s.read(func(m *metadata) error { md = m; return nil }); err != nil {
		return err
	}
	names := make([]string, 0, len(md.Snapshots))
	for k := range md.Snapshots {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(md.Snapshots[k].info(k)); err != nil {
			return err
		}
	}
	return nil
}

// Mounts returns the mounts of an active snapshot or view.
func (s *Store) Mounts(ctx context.Context, key string) ([]specs.Mount, error) {
	md, r, err := s.get(key)
	if err != nil {
		return nil, err
	}
	if r.Kind == KindCommitted {
		return nil, fmt.Errorf("snapshot %q is committed; prepare or view one on top of it: %w", key, errdefs.ErrInvalidArgument)
	}
	return s.mounts(md, r)
}

// Usage reports the disk use of the snapshot's own directory.
func (s *Store) Usage(ctx context.Context, key string) (Usage, error) {
	_, r, err := s.get(key)
	if err != nil {
		return Usage{}, err
	}
	u, err := diskUsage(ctx, s.fsDir(r.ID))
	if err != nil {
		return Usage{}, fmt.Errorf("usage of snapshot %q: %w", key, err)
	}
	return u, nil
}

// Layers is where an active snapshot's changes can be read, for a differ
// that turns them into a layer.
type Layers struct {
	// Upper holds the snapshot's writable tree.
	Upper string
	// Lowers are the parent chain's trees, nearest parent first.
	Lowers []string
	// Whole is true with the copy driver: Upper is then a complete tree
	// and Lowers[0] (if any) the complete parent tree, so the differ must
	// compare the two trees. Otherwise Upper holds only the changes, with
	// overlayfs whiteouts (0/0 character devices) for deletions and the
	// trusted.overlay.opaque xattr on replaced directories.
	Whole bool
}

// Layers returns where the changes of the active snapshot key live.
func (s *Store) Layers(ctx context.Context, key string) (Layers, error) {
	md, r, err := s.get(key)
	if err != nil {
		return Layers{}, err
	}
	if r.Kind != KindActive {
		return Layers{}, fmt.Errorf("snapshot %q is %s, not active: %w", key, r.Kind, errdefs.ErrInvalidArgument)
	}
	ids, err := md.chain(r.Parent)
	if err != nil {
		return Layers{}, err
	}
	l := Layers{Upper: s.fsDir(r.ID), Lowers: s.fsDirs(ids), Whole: s.driver == DriverCopy}
	if l.Whole && len(l.Lowers) > 1 {
		l.Lowers = l.Lowers[:1]
	}
	return l, nil
}

func isExist(err error) bool { return errors.Is(err, os.ErrExist) }
