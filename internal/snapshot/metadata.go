package snapshot

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/sys/unix"
)

const metadataVersion = 1

// metadata is the whole store's record, kept in one JSON file. It is small
// (one entry per snapshot), so rewriting it whole on every change is cheap
// and makes every change atomic: a reader sees the old file or the new one.
type metadata struct {
	Version int    `json:"version"`
	Driver  Driver `json:"driver"`
	// NextID only grows, so a directory id is never reused; a removal that
	// finishes after the lock is released cannot hit a newer snapshot.
	NextID    uint64             `json:"nextID"`
	Snapshots map[string]*record `json:"snapshots"`
}

// record is one snapshot as stored.
type record struct {
	ID      string            `json:"id"`
	Kind    Kind              `json:"kind"`
	Parent  string            `json:"parent,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
}

func (r *record) info(name string) Info {
	labels := make(map[string]string, len(r.Labels))
	for k, v := range r.Labels {
		labels[k] = v
	}
	return Info{Name: name, Parent: r.Parent, Kind: r.Kind, Labels: labels, Created: r.Created, Updated: r.Updated}
}

func (s *Store) metadataPath() string { return filepath.Join(s.root, "metadata.json") }

// load reads the metadata file. It needs no lock: the file is only ever
// replaced by rename, so it is always complete.
func (s *Store) load() (*metadata, error) {
	b, err := os.ReadFile(s.metadataPath())
	if errors.Is(err, os.ErrNotExist) {
		return &metadata{Version: metadataVersion, NextID: 1, Snapshots: map[string]*record{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading snapshot metadata: %w", err)
	}
	var md metadata
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, fmt.Errorf("parsing snapshot metadata %s: %w", s.metadataPath(), err)
	}
	if md.Version != metadataVersion {
		return nil, fmt.Errorf("snapshot metadata %s has version %d, want %d", s.metadataPath(), md.Version, metadataVersion)
	}
	if md.Snapshots == nil {
		md.Snapshots = map[string]*record{}
	}
	return &md, nil
}

// save replaces the metadata file: write a temporary file, fsync it, rename
// it over the old one and fsync the directory, so that after a crash the
// file is either the old or the new version, never a torn one.
func (s *Store) save(md *metadata) error {
	b, err := json.MarshalIndent(md, "", "\t")
	if err != nil {
		return err
	}
	tmp := s.metadataPath() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("writing snapshot metadata: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.metadataPath())
	}
	if err == nil {
		err = syncDir(s.root)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing snapshot metadata: %w", err)
	}
	return nil
}

// update runs fn on the current metadata while holding the store lock and
// saves the result if fn succeeds.
func (s *Store) update(fn func(md *metadata) error) error {
	return s.locked(func(md *metadata) error {
		if err := fn(md); err != nil {
			return err
		}
		return s.save(md)
	})
}

// locked runs fn on the current metadata while holding the store lock. The
// lock is a flock on ROOT/lock, which serializes hull processes; the mutex
// serializes goroutines, which share the lock file's open file description
// and so would not exclude each other.
func (s *Store) locked(fn func(md *metadata) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return errClosed
	}
	if err := flock(s.lock, unix.LOCK_EX); err != nil {
		return fmt.Errorf("locking snapshot store: %w", err)
	}
	defer flock(s.lock, unix.LOCK_UN)
	md, err := s.load()
	if err != nil {
		return err
	}
	return fn(md)
}

// children lists the snapshots whose parent is name, sorted.
func (md *metadata) children(name string) []string {
	var out []string
	for k, r := range md.Snapshots {
		if r.Parent == name {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// chain returns the ids of name and its ancestors, nearest first.
func (md *metadata) chain(name string) ([]string, error) {
	var ids []string
	for name != "" {
		r, ok := md.Snapshots[name]
		if !ok {
			return nil, fmt.Errorf("snapshot %q in parent chain is missing from metadata", name)
		}
		ids = append(ids, r.ID)
		name = r.Parent
		if len(ids) > len(md.Snapshots) {
			return nil, fmt.Errorf("parent chain of %q has a cycle", name)
		}
	}
	return ids, nil
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
