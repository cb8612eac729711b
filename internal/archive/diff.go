package archive

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// DiffResult describes a layer Diff wrote.
type DiffResult struct {
	// DiffID is the sha256 of the uncompressed tar written.
	DiffID digest.Digest
	// Size is the number of uncompressed bytes written.
	Size int64
}

// DiffOverlay writes to w, as an uncompressed tar, the changes an overlayfs
// upper dir holds: each entry as it is, a 0/0 character device as the
// whiteout .wh.NAME, and an opaque directory followed by .wh..wh..opq.
//
// The upper dir must not change while DiffOverlay reads it (the container
// is stopped or frozen), and the overlay must have been mounted with
// redirect_dir=off and metacopy=off: a renamed directory or a metadata-only
// copy-up has no tar form, and DiffOverlay fails with
// errdefs.ErrUnavailable when it meets one.
func DiffOverlay(ctx context.Context, w io.Writer, upper string) (DiffResult, error) {
	lw := newLayerWriter(w)
	if err := lw.walkOverlay(ctx, upper, ""); err != nil {
		return DiffResult{}, err
	}
	return lw.finish()
}

// child is one directory entry as it will be named in the tar.
type child struct {
	tarName string // base name in the tar: name, or .wh.name for a deletion
	name    string
	st      unix.Stat_t
	gone    bool // a deletion: emit a whiteout
}

func (lw *layerWriter) walkOverlay(ctx context.Context, abs, rel string) error {
	names, err := readDirSorted(abs)
	if err != nil {
		return err
	}
	children := make([]child, 0, len(names))
	for _, n := range names {
		c := child{tarName: n, name: n}
		if err := unix.Lstat(filepath.Join(abs, n), &c.st); err != nil {
			return &os.PathError{Op: "lstat", Path: filepath.Join(abs, n), Err: err}
		}
		if c.st.Mode&unix.S_IFMT == unix.S_IFCHR && c.st.Rdev == 0 {
			c.tarName, c.gone = whiteoutPrefix+n, true
		}
		children = append(children, c)
	}
	sortChildren(children)
	for _, c := range children {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := lw.overlayChild(ctx, abs, rel, c); err != nil {
			return err
		}
	}
	return nil
}

func (lw *layerWriter) overlayChild(ctx context.Context, abs, rel string, c child) error {
	cabs, crel := filepath.Join(abs, c.name), path.Join(rel, c.name)
	if c.gone {
		return lw.addWhiteout(path.Join(rel, c.tarName))
	}
	for _, x := range []string{overlayRedirectXattr, overlayMetacopyXattr} {
		if xattrValue(cabs, x) != "" {
			return fmt.Errorf("%s has %s; mount the overlay with redirect_dir=off,metacopy=off: %w", crel, x, errdefs.ErrUnavailable)
		}
	}
	if err := lw.addPath(cabs, crel, &c.st); err != nil {
		return err
	}
	if c.st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil
	}
	if xattrValue(cabs, overlayOpaqueXattr) == "y" || xattrValue(cabs, "user.overlay.opaque") == "y" {
		if err := lw.addWhiteout(path.Join(crel, whiteoutOpaque)); err != nil {
			return err
		}
	}
	return lw.walkOverlay(ctx, cabs, crel)
}

func sortChildren(cs []child) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].tarName < cs[j].tarName })
}

// layerWriter writes a deterministic tar and digests it on the way.
type layerWriter struct {
	tw    *tar.Writer
	h     hash.Hash
	count *countingWriter
	// links maps a hard-linked inode to the first name it was written
	// under, so later names become hard links to it.
	links map[[2]uint64]string
	// pending holds unchanged directories (DiffDirs) whose header is only
	// written if something below them is.
	pending []*tar.Header
}

func newLayerWriter(w io.Writer) *layerWriter {
	h := sha256.New()
	cw := &countingWriter{w: io.MultiWriter(w, h)}
	return &layerWriter{tw: tar.NewWriter(cw), h: h, count: cw, links: map[[2]uint64]string{}}
}

func (lw *layerWriter) finish() (DiffResult, error) {
	if err := lw.tw.Close(); err != nil {
		return DiffResult{}, fmt.Errorf("writing layer: %w", err)
	}
	return DiffResult{DiffID: digest.NewDigest(digest.SHA256, lw.h), Size: lw.count.n}, nil
}

func (lw *layerWriter) writeHeader(hdr *tar.Header) error {
	for _, p := range lw.pending {
		if err := lw.tw.WriteHeader(p); err != nil {
			return fmt.Errorf("writing %q: %w", p.Name, err)
		}
	}
	lw.pending = lw.pending[:0]
	if err := lw.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing %q: %w", hdr.Name, err)
	}
	return nil
}

// addWhiteout writes an empty whiteout file. Its metadata means nothing,
// so it is fixed: that keeps the tar the same for the same changes.
func (lw *layerWriter) addWhiteout(rel string) error {
	return lw.writeHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel, Mode: 0o600, ModTime: time.Unix(0, 0), Format: tar.FormatPAX})
}

// addPath writes the node abs (stat st) under the name rel, with its
// content if it is a regular file seen for the first time.
func (lw *layerWriter) addPath(abs, rel string, st *unix.Stat_t) error {
	hdr, err := header(abs, rel, st)
	if err != nil || hdr == nil {
		return err
	}
	if hdr.Typeflag == tar.TypeReg && st.Nlink > 1 {
		key := [2]uint64{st.Dev, st.Ino}
		if first, ok := lw.links[key]; ok {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
			return lw.writeHeader(hdr)
		}
		lw.links[key] = rel
	}
	if err := lw.writeHeader(hdr); err != nil {
		return err
	}
	if hdr.Typeflag != tar.TypeReg {
		return nil
	}
	return lw.copyContent(abs, hdr.Size)
}

// copyContent opens with O_NOFOLLOW: a container that swapped the file for
// a symlink must not get a host file into its layer.
func (lw *layerWriter) copyContent(abs string, size int64) error {
	f, err := os.OpenFile(abs, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	n, err := io.CopyBuffer(lw.tw, io.LimitReader(f, size), *buf)
	if err == nil && n != size {
		err = fmt.Errorf("%s shrank while read: %w", abs, errdefs.ErrConflict)
	}
	return err
}

// header builds the tar header of a node; nil for a socket, which tar
// cannot hold and which is meaningless outside a running container.
func header(abs, rel string, st *unix.Stat_t) (*tar.Header, error) {
	var target string
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		var err error
		if target, err = os.Readlink(abs); err != nil {
			return nil, err
		}
	}
	hdr := FileHeader(rel, st, target)
	if hdr == nil {
		return nil, nil
	}
	xattrs, err := readXattrs(abs)
	if err != nil {
		return nil, err
	}
	for k, v := range xattrs {
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords[paxXattr+k] = v
	}
	return hdr, nil
}

// readXattrs returns the xattrs a layer should carry: not overlayfs's own
// bookkeeping, and not security.selinux, a label of the host's policy.
func readXattrs(abs string) (map[string]string, error) {
	names, err := listXattrs(abs)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, n := range names {
		if isOverlayXattr(n) || n == "security.selinux" {
			continue
		}
		out[n] = xattrValue(abs, n)
	}
	return out, nil
}

func listXattrs(abs string) ([]string, error) {
	buf := make([]byte, 1024)
	for {
		n, err := unix.Llistxattr(abs, buf)
		if err == unix.ERANGE {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err == unix.ENOTSUP || err == unix.EOPNOTSUPP {
			return nil, nil
		}
		if err != nil {
			return nil, &os.PathError{Op: "llistxattr", Path: abs, Err: err}
		}
		var names []string
		for _, s := range strings.Split(string(buf[:n]), "\x00") {
			if s != "" {
				names = append(names, s)
			}
		}
		return names, nil
	}
}

// xattrValue returns the value of name on abs (not following a symlink), or
// "" when it is unset or unreadable.
func xattrValue(abs, name string) string {
	sz, err := unix.Lgetxattr(abs, name, nil)
	if err != nil || sz == 0 {
		return ""
	}
	buf := make([]byte, sz)
	n, err := unix.Lgetxattr(abs, name, buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// readDirSorted lists a directory's names in byte order.
func readDirSorted(abs string) ([]string, error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	sort.Strings(names)
	return names, err
}

// FileHeader is the tar header of the node name that st describes, with
// target as a symlink's link name: type, mode, owner, time and device
// numbers, in the PAX format (nanosecond times, long names). It is nil for
// a socket, which tar cannot hold. A directory's name gets its trailing
// slash; a regular file's size is st's.
func FileHeader(name string, st *unix.Stat_t, target string) *tar.Header {
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(st.Mode & 0o7777),
		Uid:     int(st.Uid),
		Gid:     int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()),
		Format:  tar.FormatPAX,
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
	case unix.S_IFDIR:
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
	case unix.S_IFLNK:
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	case unix.S_IFCHR, unix.S_IFBLK:
		hdr.Typeflag = tar.TypeChar
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			hdr.Typeflag = tar.TypeBlock
		}
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
	case unix.S_IFIFO:
		hdr.Typeflag = tar.TypeFifo
	default:
		return nil
	}
	return hdr
}
