package snapshot

import (
	"context"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Snapshotter is the seam between images and containers: it hands out
// directory trees built from layers, as mounts described in data, and never
// mounts anything itself (Mount does that when the caller is ready, usually
// inside the container's mount namespace).
//
// Unpacking an image with layer chain IDs c1, c2, c3 and running two
// containers from it:
//
//	if !sn.Exists(ctx, c3) {
//		m, _ := sn.Prepare(ctx, "extract-c1", "")
//		// mount m, apply layer 1, unmount
//		sn.Commit(ctx, c1, "extract-c1") // the read-only layer, named by chain ID
//		m, _ = sn.Prepare(ctx, "extract-c2", c1)
//		// ... and so on up to c3
//	}
//	a, _ := sn.Prepare(ctx, "container-a", c3) // writable, private to a
//	b, _ := sn.Prepare(ctx, "container-b", c3) // writable, private to b
//	snapshot.Mount(a, rootfsA)
//	...
//	snapshot.Unmount(rootfsA)
//	sn.Remove(ctx, "container-a")
//
// Committed snapshots are shared by everything built on them, so Remove
// refuses to delete one while another snapshot names it as parent.
type Snapshotter interface {
	// Prepare makes an active (writable) snapshot named key on top of the
	// committed snapshot parent ("" for an empty tree) and returns the
	// mounts that show it.
	Prepare(ctx context.Context, key, parent string, opts ...Opt) ([]specs.Mount, error)
	// View is Prepare for a read-only tree: its mounts are read-only and
	// it cannot be committed.
	View(ctx context.Context, key, parent string, opts ...Opt) ([]specs.Mount, error)
	// Commit turns the active snapshot key into the committed snapshot
	// name; key no longer exists afterwards. The caller must have unmounted it.
	Commit(ctx context.Context, name, key string, opts ...Opt) error
	// Mounts returns the mounts of an active snapshot or view again.
	Mounts(ctx context.Context, key string) ([]specs.Mount, error)
	// Stat describes one snapshot.
	Stat(ctx context.Context, key string) (Info, error)
	// Exists reports whether a snapshot named key exists, so that an
	// unpacker can skip a layer chain that is already present.
	Exists(ctx context.Context, key string) bool
	// Walk calls fn for every snapshot, in key order.
	Walk(ctx context.Context, fn func(Info) error) error
	// Usage reports the disk space the snapshot's own directory holds.
	Usage(ctx context.Context, key string) (Usage, error)
	// Remove deletes a snapshot that is no snapshot's parent.
	Remove(ctx context.Context, key string) error
	// Close releases the store; snapshots stay on disk.
	Close() error
}

// Kind tells what a snapshot may be used for.
type Kind string

const (
	// KindActive is a writable snapshot, such as a container's rootfs or
	// a layer being unpacked.
	KindActive Kind = "active"
	// KindView is a read-only snapshot that cannot be committed.
	KindView Kind = "view"
	// KindCommitted is a finished, read-only layer that others build on.
	KindCommitted Kind = "committed"
)

// Info describes a snapshot.
type Info struct {
	Name    string            // the key, or the name given to Commit
	Parent  string            // the parent's name, "" for none
	Kind    Kind              // active, view or committed
	Labels  map[string]string // the caller's annotations
	Created time.Time
	Updated time.Time
	// Volatile snapshots are recorded without syncing to disk: after a
	// power loss their record may be gone and their directory an orphan
	// for Cleanup. Fit for what does not outlive a crash anyway, such as a
	// --rm container's root filesystem.
	Volatile bool
}

// Usage is the disk space a snapshot's own directory holds: for an overlay
// active snapshot its upper layer, for a committed one its layer. Files
// with several links count once.
type Usage struct {
	Size   int64 // bytes allocated on disk
	Inodes int64
}

// Opt changes how a snapshot is made.
type Opt func(*Info)

// WithLabels sets labels on the snapshot being prepared or committed,
// replacing any it had.
func WithLabels(labels map[string]string) Opt {
	return func(i *Info) {
		i.Labels = make(map[string]string, len(labels))
		for k, v := range labels {
			i.Labels[k] = v
		}
	}
}

// WithVolatile makes the snapshot being prepared volatile (see
// Info.Volatile). Committing it makes it durable.
func WithVolatile() Opt {
	return func(i *Info) { i.Volatile = true }
}

var _ Snapshotter = (*Store)(nil)
