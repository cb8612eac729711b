package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// root is the container's root filesystem while Prepare builds it: an
// O_PATH handle on the rootfs mount through which every container path is
// resolved, so that no symlink in the image can lead outside it.
type root struct {
	c     *Config
	fd    int      // O_PATH handle on the rootfs mount
	file  *os.File // fd as an *os.File, for filepath-securejoin; made on first use
	canon string   // the rootfs path as /proc/self/fd reports it; set on first use
	cg    *cgroupHost
}

// target is an open mount destination (or a directory to create one in).
type target struct {
	fd      int
	path    string   // where it is inside the rootfs: absolute, clean, symlink-free
	created bool     // made by us, not found in the image
	file    *os.File // owner of fd when it came from filepath-securejoin
}

func (t *target) close() {
	if t.file != nil {
		t.file.Close()
	} else if t.fd >= 0 {
		unix.Close(t.fd)
	}
	t.fd = -1
}

// fdPath names an open file for syscalls that take paths (mount(2)): the
// magic link makes the kernel use exactly the file we hold.
func fdPath(fd int) string {
	return "/proc/self/fd/" + strconv.Itoa(fd)
}

// openRoot opens the rootfs, which Prepare has just bind-mounted onto itself.
func openRoot(c *Config) (*root, error) {
	fd, err := unix.Open(c.Rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: c.Rootfs, Err: err}
	}
	return &root{c: c, fd: fd}, nil
}

func (r *root) close() {
	if r.file != nil {
		r.file.Close() // owns fd
	} else {
		unix.Close(r.fd)
	}
}

// handle returns the rootfs as an *os.File.
func (r *root) handle() *os.File {
	if r.file == nil {
		r.file = os.NewFile(uintptr(r.fd), r.c.Rootfs)
	}
	return r.file
}

// openat2 is openat2(2) with O_CLOEXEC, retried when a concurrent rename or
// mount made the kernel give up on a RESOLVE_IN_ROOT lookup (EAGAIN).
func openat2(dir int, p string, flags, resolve uint64) (int, error) {
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: resolve}
	for range 16 {
		fd, err := unix.Openat2(dir, p, &how)
		if err != unix.EAGAIN && err != unix.EINTR {
			return fd, err
		}
	}
	return -1, unix.EAGAIN
}

// inRoot is how every container path is resolved: ".." and absolute
// symlinks stop at the rootfs, and /proc magic links are refused.
const inRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// open resolves p inside the rootfs to an O_PATH handle. The common case,
// a path without symlinks, costs one openat2(2). With strict, a path that
// goes through a symlink is refused (ELOOP) instead of followed.
func (r *root) open(p string, strict bool) (target, error) {
	fd, err := openat2(r.fd, p, unix.O_PATH, inRoot|unix.RESOLVE_NO_SYMLINKS)
	if err == nil {
		return target{fd: fd, path: p}, nil
	}
	if err != unix.ELOOP || strict {
		return target{fd: -1}, &os.PathError{Op: "open", Path: p, Err: err}
	}
	fd, err = openat2(r.fd, p, unix.O_PATH, inRoot)
	if err != nil {
		return target{fd: -1}, &os.PathError{Op: "open", Path: p, Err: err}
	}
	t := target{fd: fd}
	if t.path, err = r.pathOf(fd); err != nil {
		t.close()
		return target{fd: -1}, err
	}
	return t, nil
}

// pathOf returns where an open file is inside the rootfs.
func (r *root) pathOf(fd int) (string, error) {
	if r.canon == "" {
		c, err := os.Readlink(fdPath(r.fd))
		if err != nil {
			return "", err
		}
		r.canon = c
	}
	p, err := os.Readlink(fdPath(fd))
	if err != nil {
		return "", err
	}
	if p == r.canon {
		return "/", nil
	}
	if rel, ok := strings.CutPrefix(p, r.canon); ok && rel[0] == '/' {
		return rel, nil
	}
	return "", fmt.Errorf("%q is outside the rootfs %q", p, r.canon)
}

// mountpoint opens the destination dest, creating it when it is missing: an
// empty file when file is true (the bind source is not a directory), else a
// directory. With strict, dest must be reached without symlinks.
func (r *root) mountpoint(dest string, file, strict bool) (target, error) {
	t, err := r.open(dest, strict)
	if err == nil || !errors.Is(err, unix.ENOENT) || dest == "/" {
		return t, err
	}
	return r.create(dest, file, strict, true)
}

// create makes a missing mountpoint below a handle on its parent, so the
// new name can only appear where we looked.
func (r *root) create(dest string, file, strict, follow bool) (target, error) {
	dir, base := path.Split(dest)
	parent, err := r.dir(path.Clean(dir), strict)
	if err != nil {
		return parent, err
	}
	defer parent.close()
	t, err := createAt(parent, base, file)
	if err != errSymlink {
		return t, err
	}
	// The last component is a symlink to something missing, as an image's
	// /etc/resolv.conf often is. Follow it inside the rootfs once, as
	// runc does, and create what it points to.
	if strict || !follow {
		return t, &os.PathError{Op: "create", Path: dest, Err: unix.ELOOP}
	}
	joined, err := securejoin.SecureJoin(r.c.Rootfs, dest)
	if err != nil {
		return t, err
	}
	next := cleanDest(strings.TrimPrefix(joined, r.c.Rootfs))
	if t, err = r.open(next, false); err == nil || !errors.Is(err, unix.ENOENT) {
		return t, err
	}
	return r.create(next, file, false, false)
}

// dir opens the directory p inside the rootfs, creating it and its parents
// when missing.
func (r *root) dir(p string, strict bool) (target, error) {
	t, err := r.open(p, strict)
	if err == nil || !errors.Is(err, unix.ENOENT) {
		return t, err
	}
	f, err := pathrs.MkdirAllHandle(r.handle(), p, 0o755)
	if err != nil {
		return target{fd: -1}, err
	}
	t = target{fd: int(f.Fd()), file: f, created: true}
	if t.path, err = r.pathOf(t.fd); err == nil && strict && t.path != p {
		err = &os.PathError{Op: "mkdir", Path: p, Err: unix.ELOOP}
	}
	if err != nil {
		t.close()
		return target{fd: -1}, err
	}
	return t, nil
}

// errSymlink says createAt found a symlink where it was to create.
var errSymlink = errors.New("is a symlink")

// createAt creates base in parent (a file or a directory) and opens it.
// Neither mkdirat(2) nor O_CREAT|O_EXCL follows a symlink at base.
func createAt(parent target, base string, file bool) (target, error) {
	t := target{fd: -1, path: path.Join(parent.path, base), created: true}
	var err error
	if file {
		t.fd, err = unix.Openat(parent.fd, base, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, 0o644)
	} else if err = unix.Mkdirat(parent.fd, base, 0o755); err == nil {
		t.fd, err = unix.Openat(parent.fd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if err != unix.EEXIST {
		if err != nil {
			return t, &os.PathError{Op: "create", Path: t.path, Err: err}
		}
		return t, nil
	}
	// Something appeared since we looked: use it unless it is a symlink.
	t.created = false
	var st unix.Stat_t
	if err := unix.Fstatat(parent.fd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return t, &os.PathError{Op: "stat", Path: t.path, Err: err}
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return t, errSymlink
	}
	t.fd, err = unix.Openat(parent.fd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return t, &os.PathError{Op: "open", Path: t.path, Err: err}
	}
	return t, nil
}

// reopen opens the mount just made on t: t's own handle still refers to the
// directory underneath. The path is looked up again, so the result is
// checked to be the root of a mount, and of a filesystem of type magic
// when magic is not 0, in case something raced us to the path.
func (r *root) reopen(t target, magic int64) (target, error) {
	fd, err := openat2(r.fd, t.path, unix.O_PATH, inRoot|unix.RESOLVE_NO_SYMLINKS)
	if err != nil {
		return target{fd: -1}, &os.PathError{Op: "reopen", Path: t.path, Err: err}
	}
	n := target{fd: fd, path: t.path}
	var stx unix.Statx_t
	if err := unix.Statx(fd, "", unix.AT_EMPTY_PATH, unix.STATX_TYPE, &stx); err != nil {
		n.close()
		return n, &os.PathError{Op: "statx", Path: t.path, Err: err}
	}
	ok := stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 || stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT != 0
	if ok && magic != 0 {
		var st unix.Statfs_t
		ok = unix.Fstatfs(fd, &st) == nil && st.Type == magic
	}
	if !ok {
		n.close()
		return n, fmt.Errorf("%q is no longer the mount just made: %w", t.path, unix.EBUSY)
	}
	return n, nil
}
