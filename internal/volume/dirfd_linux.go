package volume

import (
	"errors"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Walking trees that containers or images control is done by directory
// descriptor: every lookup is one component, opened or acted on without
// following a symlink, so a link planted anywhere in the tree never
// redirects the walk outside it.

// readDirNames lists the directory open as fd, sorted; fd stays open and
// may be listed again.
func readDirNames(fd int) ([]string, error) {
	// The duplicate shares fd's offset: start at the beginning, whatever
	// an earlier listing left.
	if _, err := unix.Seek(fd, 0, io.SeekStart); err != nil {
		return nil, err
	}
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), "dir")
	defer f.Close()
	names, err := f.Readdirnames(-1)
	slices.Sort(names)
	return names, err
}

// isEmptyDir reports whether the directory open as fd has no entries.
func isEmptyDir(fd int) (bool, error) {
	names, err := readDirNames(fd)
	return len(names) == 0, err
}

// procPath names dirfd/name through /proc so that calls with only a path
// form (lsetxattr, llistxattr) act on the entry of the directory already
// open, not on a path walked again from "/".
func procPath(dirfd int, name string) string {
	return "/proc/self/fd/" + strconv.Itoa(dirfd) + "/" + name
}

// xattr is one extended attribute.
type xattr struct {
	name  string
	value []byte
}

// xattrsOf reads the extended attributes of dirfd/name, not following it;
// with name "", of dirfd itself.
func xattrsOf(dirfd int, name string) ([]xattr, error) {
	list := func(b []byte) (int, error) { return unix.Llistxattr(procPath(dirfd, name), b) }
	get := func(k string, b []byte) (int, error) { return unix.Lgetxattr(procPath(dirfd, name), k, b) }
	if name == "" {
		list = func(b []byte) (int, error) { return unix.Flistxattr(dirfd, b) }
		get = func(k string, b []byte) (int, error) { return unix.Fgetxattr(dirfd, k, b) }
	}
	names, err := readSized(list)
	if err != nil || len(names) == 0 {
		return nil, ignoreUnsupported(err)
	}
	var out []xattr
	for _, k := range strings.Split(strings.TrimSuffix(string(names), "\x00"), "\x00") {
		v, err := readSized(func(b []byte) (int, error) { return get(k, b) })
		if errors.Is(err, unix.ENODATA) {
			continue // removed between list and get
		}
		if err != nil {
			return nil, &os.PathError{Op: "getxattr " + k, Path: name, Err: err}
		}
		out = append(out, xattr{k, v})
	}
	return out, nil
}

// readSized calls an xattr call that reports the size it needs when given
// an empty buffer, growing the buffer when the value grew meanwhile.
func readSized(call func([]byte) (int, error)) ([]byte, error) {
	for range 8 {
		n, err := call(nil)
		if err != nil || n == 0 {
			return nil, err
		}
		b := make([]byte, n)
		n, err = call(b)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return b[:n], nil
	}
	return nil, unix.ERANGE
}

// ignoreUnsupported treats a filesystem without xattrs as one without any.
func ignoreUnsupported(err error) error {
	if errors.Is(err, unix.ENOTSUP) {
		return nil
	}
	return err
}
