// Package archive turns image layers into directories and directories into
// layers.
//
// A layer is a tar stream, usually gzip- or zstd-compressed, whose entries
// add or replace files and whose whiteout entries record deletions (OCI
// image spec, "Image Layer Filesystem Changeset"). Its diff_id, which the
// image config lists, is the sha256 of the uncompressed tar.
//
// # Applying a layer
//
// Apply unpacks one layer into a directory in one of two modes, chosen by
// how the snapshotter stacks layers:
//
//   - OverlayWhiteouts: each layer gets its own empty directory that becomes
//     an overlayfs lower dir. Deletions are stored the way overlayfs reads
//     them: .wh.NAME becomes a 0/0 character device NAME, and the opaque
//     marker .wh..wh..opq becomes the xattr trusted.overlay.opaque=y on its
//     directory.
//   - CopyWhiteouts: all layers are applied in turn to one directory (the
//     copying snapshotter used where overlayfs is missing, and import).
//     .wh.NAME removes NAME; an opaque marker removes what lower layers left
//     in its directory. Either way entries of the same layer survive,
//     whatever order the whiteout and they come in.
//
// # Safety
//
// Layers come from registries and tarballs nobody vetted, so Apply treats
// every header as hostile and never writes outside the directory:
//
//   - Names are cleaned; a ".." component is an error, a leading "/" is
//     dropped (as tar(1) does), and names past PATH_MAX are refused.
//   - The directory is opened once, and each entry's parent directory is
//     looked up from it with openat2(RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS):
//     symlinks - including ones an earlier entry made, such as a -> /etc
//     followed by a/passwd - resolve as they will inside the container,
//     never to the host.
//   - The last component is handled with *at calls that do not follow it:
//     files are created O_CREAT|O_EXCL|O_NOFOLLOW after whatever was there
//     is removed, and ownership and times are set with AT_SYMLINK_NOFOLLOW.
//   - A hard link's target is resolved inside the directory like any name,
//     and linked without following: a link to a symlink is another symlink.
//   - xattrs come from PAX SCHILY.xattr records (at most 128, each at most
//     64 KiB; archive/tar caps a PAX header at 1 MiB). overlayfs's own
//     xattrs (trusted.overlay.*, user.overlay.*) are never taken from a
//     layer: a forged redirect or metacopy would make overlayfs serve
//     files from other layers. security.* and trusted.* names the kernel
//     refuses are skipped.
//   - Device nodes the kernel refuses (no CAP_MKNOD, as in a user
//     namespace) are an error wrapping errdefs.ErrUnavailable, or a counted
//     skip with ApplyOptions.SkipUncreatableDevices.
//
// Apply preserves mode (setuid, setgid and sticky included), owner, mtime
// (a directory's after its contents), xattrs and hard links within the
// layer. It does not map ids for user namespaces, does not set xattrs on
// symlinks, and refuses sparse entries (a few bytes of sparse map can
// describe an exabyte of zeros to write). It needs /proc for
// xattrs and for chmod on kernels without fchmodat2.
//
// # Computing a layer
//
// DiffOverlay reads an overlayfs upper dir (0/0 character devices become
// .wh.NAME, opaque directories .wh..wh..opq); DiffDirs compares two trees
// for the copying snapshotter. Both write a deterministic uncompressed tar
// - PAX headers, entries sorted by name within each directory, parents
// before children, no atime or ctime, no user or group names - and return
// its digest, the diff_id. Wrap the writer with Compress to push the layer.
package archive
