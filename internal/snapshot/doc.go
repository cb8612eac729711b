// Package snapshot is hull's snapshotter: it turns image layers into the
// directory trees containers run in, the way containerd's snapshotters do.
//
// # Vocabulary
//
// A snapshot is a directory tree with a name (its key), an optional parent
// snapshot, labels and a kind:
//
//   - active: writable; a container's rootfs or a layer being unpacked.
//   - view: read-only, for looking into an image without changing it.
//   - committed: a finished layer, read-only forever, that any number of
//     snapshots use as parent. Commit turns an active snapshot into one.
//
// Callers name committed snapshots by the layer's chain ID, so every image
// and container whose layers agree shares one copy on disk, and an unpacker
// that finds the chain ID already present (Exists) skips the layer.
//
// Prepare and View return mounts as data ([]specs.Mount) and mount nothing;
// Mount and Unmount perform them when and where the caller wants, usually in
// a container's mount namespace.
//
// # Layout
//
//	ROOT/lock                  flock serializing changes across processes
//	ROOT/metadata.json         every snapshot's record, replaced atomically
//	ROOT/staging/new-*/        snapshot directories being built
//	ROOT/snapshots/<id>/fs     the snapshot's tree (overlay: its upper dir)
//	ROOT/snapshots/<id>/work   overlayfs scratch space, active snapshots only
//
// Ids are decimal numbers from a counter that only grows, so an id is never
// reused and a directory name cannot be confused with an older snapshot's.
//
// # Drivers
//
// With DriverOverlay an active snapshot on a parent chain is an overlay
// mount: lowerdir lists the chain's fs directories, nearest first, and
// writes go to the snapshot's own fs directory. Preparing is a mkdir,
// whatever the image's size. A snapshot without parent is a bind mount.
// When the lowerdir list exceeds the page mount(2) accepts (around 40
// layers with long paths), Mount names the layers relative to
// ROOT/snapshots from a thread with its own working directory.
//
// With DriverCopy (no overlayfs, or a backing filesystem overlayfs
// refuses) every active snapshot starts as a full copy of its parent,
// keeping owners, modes, xattrs, hard links, devices and symlinks, and is
// shown by a bind mount; committed snapshots therefore hold whole trees.
// Open picks overlay if a probe mount works and records the choice; a store
// keeps its driver for life.
//
// # Concurrency and crash safety
//
// Several hull processes may use one ROOT. Every change takes the flock on
// ROOT/lock, reads metadata.json, changes it, and replaces it by writing a
// temporary file, fsyncing it and renaming it over the old one. Readers
// take no lock: they see the old file or the new one.
//
// The ordering keeps one invariant through a kill -9 at any point: no
// record ever names a missing directory. Creating builds the directory in
// staging/ first (outside the lock, as a copy may be long, holding a flock
// on the staging directory), then under the store lock renames it to
// snapshots/<id> and writes the record. Removing writes the record's
// deletion first and deletes the directory after. Commit changes only the
// record. A crash can thus leave directories without records, which
// Cleanup removes: unrecorded snapshots/<id> directories, and staging
// directories whose flock nobody holds (their builder is dead).
//
// The store cannot see mounts in other mount namespaces; Commit and Remove
// refuse only overlay mounts visible to the calling process. Callers must
// unmount a snapshot before committing or removing it.
package snapshot
