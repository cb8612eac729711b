package archive

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"

	"golang.org/x/sys/unix"
)

// resolveFlags make the kernel treat the unpack directory as "/" for every
// lookup: ".." stops at it and absolute symlinks - including ones an
// earlier entry of the same layer planted, such as a -> /etc before
// a/passwd - resolve inside it, the way the container will later see them.
// Magic links (/proc/self/fd/N) would jump out, so they are refused.
const resolveFlags = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// root is the unpack directory opened once. Everything Apply touches is
// reached from root.fd by openat2 with resolveFlags, then by *at calls on the
// final component that never follow it (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW,
// linkat without AT_SYMLINK_FOLLOW).
type root struct {
	fd int

	// The last directory resolved, because a layer lists a directory's
	// entries together. Any removal invalidates it (a removed or replaced
	// directory must be looked up again); the fd itself stays open until
	// the next lookup so the entry in progress can still use it.
	cachePath string
	cacheFD   int

	// created, when set, learns of each parent directory made implicitly.
	created func(rel string)
}

func openRoot(dir string) (*root, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return &root{fd: fd, cacheFD: -1}, nil
}

func (r *root) close() {
	if r.cacheFD >= 0 {
		unix.Close(r.cacheFD)
	}
	unix.Close(r.fd)
}

// invalidate forgets the cached directory; see root.cachePath.
func (r *root) invalidate() { r.cachePath = "" }

// openat2 opens rel beneath the root, retrying the EAGAIN openat2 returns
// when a rename raced the lookup.
func (r *root) openat2(rel string, flags uint64) (int, error) {
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: resolveFlags}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(r.fd, rel, &how)
		if (err == unix.EAGAIN || err == unix.EINTR) && i < 16 {
			continue
		}
		if err != nil {
			return -1, &os.PathError{Op: "openat2", Path: rel, Err: err}
		}
		return fd, nil
	}
}

// dir returns an O_PATH descriptor of directory rel, creating missing
// directories (mode 0755, as tar does) when create is set. The descriptor
// belongs to the root's cache: it stays valid until the next call to dir.
func (r *root) dir(rel string, create bool) (int, error) {
	if r.cacheFD >= 0 && r.cachePath == rel {
		return r.cacheFD, nil
	}
	fd, err := r.openDir(rel, create)
	if err != nil {
		return -1, err
	}
	if r.cacheFD >= 0 {
		unix.Close(r.cacheFD)
	}
	r.cachePath, r.cacheFD = rel, fd
	return fd, nil
}

// openDir is dir without the cache; the caller closes the descriptor.
func (r *root) openDir(rel string, create bool) (int, error) {
	fd, err := r.openat2(rel, unix.O_PATH|unix.O_DIRECTORY)
	if err == nil || !create || !errors.Is(err, unix.ENOENT) || rel == "." {
		return fd, err
	}
	pfd, err := r.openDir(path.Dir(rel), true)
	if err != nil {
		return -1, err
	}
	err = unix.Mkdirat(pfd, path.Base(rel), 0o755)
	unix.Close(pfd)
	if err == nil && r.created != nil {
		r.created(rel)
	}
	if err != nil && err != unix.EEXIST {
		return -1, &os.PathError{Op: "mkdirat", Path: rel, Err: err}
	}
	// One more lookup, not a loop: a dangling symlink in the way gives
	// EEXIST above and ENOENT here, and must end as an error.
	return r.openat2(rel, unix.O_PATH|unix.O_DIRECTORY)
}

// removeAll removes name in dirfd and, if it is a directory, everything
// below it, without following symlinks at any level.
func removeAll(dirfd int, name string) error {
	err := unix.Unlinkat(dirfd, name, 0)
	if err == nil || err == unix.ENOENT {
		return nil
	}
	if err != unix.EISDIR && err != unix.EPERM {
		return &os.PathError{Op: "unlinkat", Path: name, Err: err}
	}
	fd, err := unix.Openat(dirfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "openat", Path: name, Err: err}
	}
	names, err := readDirNames(fd)
	if err == nil {
		for _, n := range names {
			if err = removeAll(fd, n); err != nil {
				break
			}
		}
	}
	unix.Close(fd)
	if err != nil {
		return fmt.Errorf("removing %s: %w", name, err)
	}
	if err := unix.Unlinkat(dirfd, name, unix.AT_REMOVEDIR); err != nil && err != unix.ENOENT {
		return &os.PathError{Op: "rmdir", Path: name, Err: err}
	}
	return nil
}

// readDirNames lists a directory open for reading; fd stays open.
func readDirNames(fd int) ([]string, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	return f.Readdirnames(-1)
}

// procPath names dirfd/name through /proc so that calls with only a path
// form (lsetxattr, chmod of a device node) act on the node Apply resolved,
// not on a path walked again from "/".
func procPath(dirfd int, name string) string {
	return "/proc/self/fd/" + strconv.Itoa(dirfd) + "/" + name
}
