package snapshot

import (
	"bytes"
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
//
// Volatile snapshots are kept apart, in a second file rewritten in place
// without fsync: making and removing a --rm container's root filesystem
// then costs no disk flush (two fsyncs each way, milliseconds here) and no
// new inode (on ext4 without a journal, allocating one scans
// past every inode freed in the last minutes: the more containers come and
// go, the slower), while the file holding the images' layers is still only
// ever replaced durably. A torn or lost volatile file after a power loss
// costs only the volatile snapshots, whose directories Cleanup then
// removes.
type metadata struct {
	Version int    `json:"version"`
	Driver  Driver `json:"driver"`
	// NextID only grows, so a directory id is never reused; a removal that
	// finishes after the lock is released cannot hit a newer snapshot.
	NextID    uint64             `json:"nextID"`
	Snapshots map[string]*record `json:"snapshots"`

	// The files' contents as read, so that save rewrites only the file
	// whose part changed.
	durableRaw, volatileRaw []byte
}

// volatileFile is the content of the volatile snapshots' file.
type volatileFile struct {
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
	// Volatile is where the record is kept, not part of it.
	Volatile bool `json:"-"`
}

func (r *record) info(name string) Info {
	labels := make(map[string]string, len(r.Labels))
	for k, v := range r.Labels {
		labels[k] = v
	}
	return Info{Name: name, Parent: r.Parent, Kind: r.Kind, Labels: labels, Created: r.Created, Updated: r.Updated, Volatile: r.Volatile}
}

func (s *Store) metadataPath() string { return filepath.Join(s.root, "metadata.json") }
func (s *Store) volatilePath() string { return filepath.Join(s.root, "volatile.json") }

// load reads the metadata files; the caller holds the store lock, shared
// at least, since the volatile file is rewritten in place (see
// writeVolatile). A snapshot in both (a commit of a volatile one,
// interrupted) is the durable one.
func (s *Store) load() (*metadata, error) {
	md := &metadata{Version: metadataVersion, NextID: 1}
	b, err := os.ReadFile(s.metadataPath())
	switch {
	case err == nil:
		if err := json.Unmarshal(b, md); err != nil {
			return nil, fmt.Errorf("parsing snapshot metadata %s: %w", s.metadataPath(), err)
		}
		if md.Version != metadataVersion {
			return nil, fmt.Errorf("snapshot metadata %s has version %d, want %d", s.metadataPath(), md.Version, metadataVersion)
		}
		md.durableRaw = b
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("reading snapshot metadata: %w", err)
	}
	if md.Snapshots == nil {
		md.Snapshots = map[string]*record{}
	}
	// A volatile file that cannot be read or parsed was torn by a crash:
	// its snapshots are lost, as volatile ones may be.
	var vf volatileFile
	if vb, err := os.ReadFile(s.volatilePath()); err == nil && json.Unmarshal(vb, &vf) == nil {
		md.volatileRaw = vb
		for k, r := range vf.Snapshots {
			if _, ok := md.Snapshots[k]; !ok && r != nil {
				r.Volatile = true
				md.Snapshots[k] = r
			}
		}
	}
	return md, nil
}

// save writes what changed of md: the durable part with a temporary file
// fsynced and renamed over the old one, then the directory fsynced, so
// that after a crash the file is the old or the new version, never a torn
// one; the volatile part in place (writeVolatile). The durable file goes
// first, so a volatile snapshot being committed is never in neither.
func (s *Store) save(md *metadata) error {
	durable := *md
	durable.Snapshots = map[string]*record{}
	vf := volatileFile{Snapshots: map[string]*record{}}
	for k, r := range md.Snapshots {
		if r.Volatile {
			vf.Snapshots[k] = r
		} else {
			durable.Snapshots[k] = r
		}
	}
	b, err := json.MarshalIndent(&durable, "", "\t")
	if err != nil {
		return err
	}
	if !bytes.Equal(b, md.durableRaw) {
		if err := s.replaceFile(s.metadataPath(), b); err != nil {
			return err
		}
		md.durableRaw = b
	}
	if b, err = json.Marshal(&vf); err != nil {
		return err
	}
	if len(vf.Snapshots) == 0 && md.volatileRaw == nil || bytes.Equal(b, md.volatileRaw) {
		return nil
	}
	if err := writeVolatile(s.volatilePath(), b, len(md.volatileRaw)); err != nil {
		return err
	}
	md.volatileRaw = b
	return nil
}

// replaceFile replaces path with data durably: through a temporary file
// fsynced, renamed over the old one, and its directory fsynced.
func (s *Store) replaceFile(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("writing snapshot metadata: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
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

// writeVolatile rewrites the volatile file at path with data, in place,
// under the exclusive store lock; readers hold it shared. A writer killed
// between its write and its truncation leaves the new content followed by
// blanks, not by the old content's tail: data is padded to the old
// length (oldLen) first, and JSON ignores trailing white space.
func writeVolatile(path string, data []byte, oldLen int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("writing snapshot metadata: %w", err)
	}
	padded := data
	if pad := oldLen - len(data); pad > 0 {
		padded = append(data[:len(data):len(data)], bytes.Repeat([]byte{' '}, pad)...)
	}
	_, err = f.WriteAt(padded, 0)
	if err == nil && len(padded) > len(data) {
		err = f.Truncate(int64(len(data)))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
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

// read runs fn on the current metadata while holding the store lock
// shared: readers exclude writers, not each other.
func (s *Store) read(fn func(md *metadata) error) error {
	return s.withLock(unix.LOCK_SH, fn)
}

// locked runs fn on the current metadata while holding the store lock. The
// lock is a flock on ROOT/lock, which serializes hull processes; the mutex
// serializes goroutines, which share the lock file's open file description
// and so would not exclude each other.
func (s *Store) locked(fn func(md *metadata) error) error {
	return s.withLock(unix.LOCK_EX, fn)
}

func (s *Store) withLock(how int, fn func(md *metadata) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	lock := s.lock
	if lock == nil {
		if how != unix.LOCK_SH {
			return errClosed
		}
		// A closed store still reads, through a lock file of its own.
		f, err := os.Open(filepath.Join(s.root, "lock"))
		if err != nil {
			return fmt.Errorf("locking snapshot store: %w", err)
		}
		defer f.Close()
		lock = f
	}
	if err := flock(lock, how); err != nil {
		return fmt.Errorf("locking snapshot store: %w", err)
	}
	defer flock(lock, unix.LOCK_UN)
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
