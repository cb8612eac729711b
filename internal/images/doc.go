// Package images is hull's image service: the one place the engine and the
// CLI go to turn tarballs into images, images into container root
// filesystems, and containers back into images. It ties together the
// content store (blobs), the image records (names) and the snapshotter
// (unpacked layers), which know nothing of each other.
//
// # Layout
//
//	ROOT/content    the content store (package content)
//	ROOT/images     the image records (image.Store)
//	ROOT/snapshots  the snapshotter (package snapshot)
//
// # What keeps what alive
//
// Blobs: a manifest labels its config and layers as GC children
// (content.LabelGCRefPrefix), and the manifest an image record points at
// is a GC root twice over: Prune passes every record's target to GC, and
// the manifest carries content.LabelGCRoot while any record names it. The
// label closes a race the record alone leaves open: Prune lists the
// records, then GC waits for an import's lease to end, by which time the
// import has written a record that Prune's list lacks.
//
// Snapshots: committed snapshots are named by chain ID and kept while some
// image record's chain names them or a container snapshot is built on
// them (the snapshotter refuses to remove a parent). A container's
// snapshot is labelled with the image ID it was made from, which Commit
// reads back as the base of the new image.
//
// # Concurrency
//
// Every store underneath is safe for many hull processes at once, and the
// service adds no lock of its own. Two processes unpacking the same image
// both apply each missing layer into a private snapshot; the first Commit
// under the chain ID wins and the other removes its copy.
package images
