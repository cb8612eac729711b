package snapshot

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/sys/mountinfo"

	"github.com/hullrt/hull/internal/errdefs"
)

// Commit turns the active snapshot key into the committed snapshot name.
// The directory stays where it is; only the record changes, in one atomic
// metadata write, so a crash leaves either the active snapshot or the
// committed one. If name exists already (another process unpacked the same
// layer first) Commit fails with ErrAlreadyExists and key is untouched.
func (s *Store) Commit(ctx context.Context, name, key string, opts ...Opt) error {
	var id string
	err := s.update(func(md *metadata) error {
		r, ok := md.Snapshots[key]
		if !ok {
			return fmt.Errorf("snapshot %q: %w", key, errdefs.ErrNotFound)
		}
		if r.Kind != KindActive {
			return fmt.Errorf("snapshot %q is %s, not active: %w", key, r.Kind, errdefs.ErrInvalidArgument)
		}
		if _, ok := md.Snapshots[name]; ok && name != key {
			return fmt.Errorf("snapshot %q: %w", name, errdefs.ErrAlreadyExists)
		}
		if err := s.checkUnmounted(key, r); err != nil {
			return err
		}
		info := Info{Labels: r.Labels}
		for _, o := range opts {
			o(&info)
		}
		delete(md.Snapshots, key)
		r.Kind, r.Labels, r.Updated, r.Volatile = KindCommitted, info.Labels, time.Now().UTC(), false
		md.Snapshots[name] = r
		id = r.ID
		return nil
	})
	if err != nil {
		return fmt.Errorf("committing snapshot %q as %q: %w", key, name, err)
	}
	// overlayfs's scratch space is of no use to a read-only layer.
	os.RemoveAll(filepath.Join(s.dir(id), "work"))
	return nil
}

// checkUnmounted refuses to change a snapshot that an overlay mount in this
// mount namespace still writes to: committing it would let the layer change
// under its users, removing it would pull the tree from under a container.
// Mounts in other namespaces cannot be seen; callers must unmount first.
func (s *Store) checkUnmounted(key string, r *record) error {
	if s.driver != DriverOverlay || r.Kind != KindActive {
		return nil
	}
	upper := "upperdir=" + s.fsDir(r.ID)
	ms, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("overlay"))
	if err != nil {
		return nil // cannot tell; the caller's promise stands
	}
	for _, m := range ms {
		for _, o := range splitOptions(m.VFSOptions) {
			if o == upper {
				return fmt.Errorf("snapshot %q is mounted at %s: %w", key, m.Mountpoint, errdefs.ErrConflict)
			}
		}
	}
	return nil
}
