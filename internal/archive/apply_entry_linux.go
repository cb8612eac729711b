package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// applier holds the state of one Apply.
type applier struct {
	root *root
	opts ApplyOptions

	// added records every path this layer wrote, in CopyWhiteouts mode
	// only: a whiteout hides lower layers, never the layer's own entries.
	added map[string]struct{}

	dirTimes       []dirTime
	entries        int
	skippedDevices int
}

func newApplier(dir string, opts ApplyOptions) (*applier, error) {
	rt, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	a := &applier{root: rt, opts: opts}
	if opts.Whiteouts == CopyWhiteouts {
		a.added = make(map[string]struct{})
		rt.created = func(rel string) { a.added[rel] = struct{}{} }
	}
	return a, nil
}

// create makes the entry name (base in the directory pfd) from hdr. An
// existing node is replaced, except that a directory over a directory
// merges, as layers stack.
func (a *applier) create(pfd int, name, base string, hdr *tar.Header, r io.Reader) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	exists := err == nil
	if exists && !(hdr.Typeflag == tar.TypeDir && st.Mode&unix.S_IFMT == unix.S_IFDIR) {
		a.root.invalidate()
		if err := removeAll(pfd, base); err != nil {
			return err
		}
		exists = false
	}
	switch hdr.Typeflag {
	case tar.TypeReg:
		return createFile(pfd, base, hdr, r)
	case tar.TypeDir:
		return a.createDir(pfd, name, base, hdr, exists)
	case tar.TypeSymlink:
		return createSymlink(pfd, base, hdr)
	case tar.TypeLink:
		return a.createHardlink(pfd, base, hdr)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return a.createNode(pfd, base, hdr)
	}
	return fmt.Errorf("tar type %q: %w", hdr.Typeflag, errdefs.ErrInvalidArgument)
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// createFile writes a regular file. O_EXCL|O_NOFOLLOW: the name was just
// cleared, so anything found there now (a symlink above all) is refused
// rather than written through.
func createFile(pfd int, base string, hdr *tar.Header, r io.Reader) error {
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return &os.PathError{Op: "openat", Path: base, Err: err}
	}
	f := os.NewFile(uintptr(fd), base)
	defer f.Close()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	// struct{io.Writer} hides File.ReadFrom and its 32 KiB buffer.
	if _, err := io.CopyBuffer(struct{ io.Writer }{f}, r, *buf); err != nil {
		return fmt.Errorf("writing %s: %w", base, err)
	}
	// chown before chmod: chown clears setuid and setgid.
	if err := unix.Fchown(fd, hdr.Uid, hdr.Gid); err != nil {
		return &os.PathError{Op: "fchown", Path: base, Err: err}
	}
	if err := unix.Fchmod(fd, uint32(hdr.Mode)&0o7777); err != nil {
		return &os.PathError{Op: "fchmod", Path: base, Err: err}
	}
	if err := setXattrs(hdr, func(k string, v []byte) error { return unix.Fsetxattr(fd, k, v, 0) }); err != nil {
		return err
	}
	return setTimes(pfd, base, hdr.ModTime, hdr.AccessTime)
}

func (a *applier) createDir(pfd int, name, base string, hdr *tar.Header, exists bool) error {
	if !exists {
		if err := unix.Mkdirat(pfd, base, 0o700); err != nil {
			return &os.PathError{Op: "mkdirat", Path: base, Err: err}
		}
	}
	if err := a.setMeta(pfd, base, hdr); err != nil {
		return err
	}
	a.dirTimes = append(a.dirTimes, dirTime{name: name, mtime: hdr.ModTime, atime: hdr.AccessTime})
	return nil
}

// createSymlink stores the target as given: Apply never follows it, and
// inside the container it resolves against the container's root.
func createSymlink(pfd int, base string, hdr *tar.Header) error {
	if err := unix.Symlinkat(hdr.Linkname, pfd, base); err != nil {
		return &os.PathError{Op: "symlinkat", Path: base, Err: err}
	}
	if err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "lchown", Path: base, Err: err}
	}
	return setTimes(pfd, base, hdr.ModTime, hdr.AccessTime)
}

// createHardlink links to an earlier entry. The target's directory is
// resolved inside dir like any name, and linkat without AT_SYMLINK_FOLLOW
// links a symlink itself, never what it points to: a link to a -> /etc/shadow
// is one more symlink, not the host's shadow file.
func (a *applier) createHardlink(pfd int, base string, hdr *tar.Header) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("link target: %w", err)
	}
	if target == "." {
		return fmt.Errorf("hard link to the root: %w", errdefs.ErrInvalidArgument)
	}
	tfd, err := a.root.openDir(path.Dir(target), false)
	if err != nil {
		return fmt.Errorf("link target: %w", err)
	}
	defer unix.Close(tfd)
	if err := unix.Linkat(tfd, path.Base(target), pfd, base, 0); err != nil {
		return &os.LinkError{Op: "linkat", Old: target, New: base, Err: err}
	}
	return nil
}

func (a *applier) createNode(pfd int, base string, hdr *tar.Header) error {
	mode := uint32(unix.S_IFIFO)
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode = unix.S_IFCHR
	case tar.TypeBlock:
		mode = unix.S_IFBLK
	}
	dev := unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor))
	if err := unix.Mknodat(pfd, base, mode|0o600, int(dev)); err != nil {
		if err == unix.EPERM && mode != unix.S_IFIFO && a.opts.SkipUncreatableDevices {
			a.skippedDevices++
			return nil
		}
		if err == unix.EPERM {
			return fmt.Errorf("mknod %s: %w (%w)", base, err, errdefs.ErrUnavailable)
		}
		return &os.PathError{Op: "mknodat", Path: base, Err: err}
	}
	if err := a.setMeta(pfd, base, hdr); err != nil {
		return err
	}
	return setTimes(pfd, base, hdr.ModTime, hdr.AccessTime)
}

// setMeta sets owner, mode and xattrs of a node that is not a symlink
// (Apply just made it), through calls that do not follow the last
// component or that name the node through its parent's descriptor.
func (a *applier) setMeta(pfd int, base string, hdr *tar.Header) error {
	if err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "lchown", Path: base, Err: err}
	}
	mode := uint32(hdr.Mode) & 0o7777
	err := unix.Fchmodat(pfd, base, mode, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.EOPNOTSUPP { // no fchmodat2 before Linux 6.6
		err = unix.Chmod(procPath(pfd, base), mode)
	}
	if err != nil {
		return &os.PathError{Op: "chmod", Path: base, Err: err}
	}
	p := procPath(pfd, base)
	return setXattrs(hdr, func(k string, v []byte) error { return unix.Lsetxattr(p, k, v, 0) })
}

const (
	paxXattr = "SCHILY.xattr."
	// A PAX header is at most 1 MiB (archive/tar enforces it); these bound
	// what one entry can ask of the kernel within that.
	maxXattrs     = 128
	maxXattrValue = 64 << 10 // XATTR_SIZE_MAX
)

// setXattrs applies the SCHILY.xattr records of hdr in sorted order.
// overlayfs's own xattrs are dropped: a layer that carried
// trusted.overlay.redirect or .metacopy could make overlayfs serve it files
// from other layers' paths; Apply sets the opaque marker itself.
func setXattrs(hdr *tar.Header, set func(name string, value []byte) error) error {
	var names []string
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, paxXattr) {
			names = append(names, k[len(paxXattr):])
		}
	}
	if len(names) > maxXattrs {
		return fmt.Errorf("%d xattrs: %w", len(names), errdefs.ErrInvalidArgument)
	}
	sort.Strings(names)
	for _, n := range names {
		v := hdr.PAXRecords[paxXattr+n]
		if isOverlayXattr(n) {
			continue
		}
		if len(v) > maxXattrValue {
			return fmt.Errorf("xattr %s of %d bytes: %w", n, len(v), errdefs.ErrInvalidArgument)
		}
		if err := set(n, []byte(v)); err != nil && !ignorableXattrError(n, err) {
			return fmt.Errorf("setting xattr %s: %w", n, err)
		}
	}
	return nil
}

func isOverlayXattr(name string) bool {
	return strings.HasPrefix(name, "trusted.overlay.") || strings.HasPrefix(name, "user.overlay.")
}

// ignorableXattrError: a filesystem without xattrs, or a security./trusted.
// name this kernel or this user may not set (an SELinux label without
// SELinux, trusted.* in a user namespace), costs the xattr, not the layer.
func ignorableXattrError(name string, err error) bool {
	if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EOPNOTSUPP) {
		return true
	}
	privileged := strings.HasPrefix(name, "security.") || strings.HasPrefix(name, "trusted.")
	return privileged && (errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EINVAL))
}

// setTimes sets mtime (and atime, or mtime again when the header has none)
// without following a symlink.
func setTimes(pfd int, base string, mtime, atime time.Time) error {
	if atime.IsZero() {
		atime = mtime
	}
	ts := []unix.Timespec{timespec(atime), timespec(mtime)}
	if err := unix.UtimesNanoAt(pfd, base, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "utimensat", Path: base, Err: err}
	}
	return nil
}

// timespec avoids Time.UnixNano, which overflows outside 1678-2262 - a
// year a hostile header can name.
func timespec(t time.Time) unix.Timespec {
	return unix.Timespec{Sec: t.Unix(), Nsec: int64(t.Nanosecond())}
}
