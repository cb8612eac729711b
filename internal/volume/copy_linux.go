package volume

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"

	"golang.org/x/sys/unix"
)

// copier fills a volume from an image's directory, keeping what a
// container could observe: owners, modes (setuid included), extended
// attributes (capabilities, ACLs), times, symlinks as links, hard links
// as links, device nodes and fifos. Sockets are skipped, as tar skips them.
//
// Both trees are walked by descriptor (see dirfd_linux.go). The source is
// the image's and untrusted; the destination may be mounted in a running
// container that shares the volume, so it is not trusted either: entries
// are created with O_EXCL or mkdirat and opened with O_NOFOLLOW, and
// metadata is set with calls that do not follow the final component.
type copier struct {
	dstRoot int               // _data, for resolving hard links
	links   map[fileID]string // first copy of each multiply-linked file, relative to _data
	// resume is set when finishing a copy a killed process began: entries
	// may exist already and are replaced.
	resume bool
}

// copyTree copies the entries of the directory src into dst (both open,
// both staying open). rel is dst's path below _data, for hard links and
// messages.
func (c *copier) copyTree(src, dst int, rel string) error {
	names, err := readDirNames(src)
	if err != nil {
		return fmt.Errorf("reading %s: %w", rel, err)
	}
	for _, name := range names {
		var st unix.Stat_t
		if err := unix.Fstatat(src, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return &os.PathError{Op: "lstat", Path: path.Join(rel, name), Err: err}
		}
		if err := c.copyEntry(src, dst, path.Join(rel, name), name, &st); err != nil {
			return err
		}
	}
	return nil
}

// copyEntry copies src/name, whose lstat is st, to dst/name.
func (c *copier) copyEntry(src, dst int, rel, name string, st *unix.Stat_t) error {
	kind := st.Mode & unix.S_IFMT
	if kind == unix.S_IFSOCK {
		return nil
	}
	if c.resume && kind != unix.S_IFDIR {
		if err := removeEntry(dst, name); err != nil {
			return fmt.Errorf("replacing %s: %w", rel, err)
		}
	}
	if kind != unix.S_IFDIR && st.Nlink > 1 {
		id := fileID{uint64(st.Dev), st.Ino}
		if first, ok := c.links[id]; ok && c.link(first, dst, name) == nil {
			return nil
		}
		c.links[id] = rel
	}
	var err error
	switch kind {
	case unix.S_IFDIR:
		if err := c.copyDir(src, dst, rel, name); err != nil {
			return err // says where already
		}
	case unix.S_IFREG:
		err = copyFile(src, dst, name, st)
	case unix.S_IFLNK:
		var target string
		if target, err = readlinkat(src, name); err == nil {
			err = unix.Symlinkat(target, dst, name)
		}
	default: // devices and fifos
		err = unix.Mknodat(dst, name, st.Mode&(unix.S_IFMT|0o600), int(st.Rdev))
	}
	if err != nil {
		return fmt.Errorf("copying %s: %w", rel, err)
	}
	attrs, err := xattrsOf(src, name)
	if err != nil {
		return fmt.Errorf("copying %s: %w", rel, err)
	}
	if err := setMetadata(dst, name, st, attrs); err != nil {
		return fmt.Errorf("copying %s: %w", rel, err)
	}
	return nil
}

// copyDir makes dst/name and copies src/name's entries into it.
func (c *copier) copyDir(src, dst int, rel, name string) error {
	dsub, err := c.mkdir(dst, name)
	if err != nil {
		return fmt.Errorf("copying %s: %w", rel, err)
	}
	defer unix.Close(dsub)
	ssub, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("copying %s: %w", rel, err)
	}
	defer unix.Close(ssub)
	return c.copyTree(ssub, dsub, rel)
}

// mkdir makes and opens dir/name. When resuming, an existing directory is
// kept and anything else in the way is removed.
func (c *copier) mkdir(dir int, name string) (int, error) {
	err := unix.Mkdirat(dir, name, 0o700)
	if err != nil && !(c.resume && err == unix.EEXIST) {
		return -1, err
	}
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if c.resume && (errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.ELOOP)) {
		if err := removeEntry(dir, name); err != nil {
			return -1, err
		}
		if err := unix.Mkdirat(dir, name, 0o700); err != nil {
			return -1, err
		}
		fd, err = unix.Openat(dir, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	}
	return fd, err
}

// link makes dst/name another link to the earlier copy first. The
// lookup of first stays beneath _data and follows no symlink, whatever a
// container sharing the volume did to the tree meanwhile.
func (c *copier) link(first string, dst int, name string) error {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	parent, err := unix.Openat2(c.dstRoot, path.Dir(first), &how)
	if err != nil {
		return err
	}
	defer unix.Close(parent)
	return unix.Linkat(parent, path.Base(first), dst, name, 0)
}

// copyFile copies the regular file src/name to dst/name, which must not
// exist.
func copyFile(src, dst int, name string, st *unix.Stat_t) error {
	in, err := openRegular(src, name, st)
	if err != nil {
		return err
	}
	defer in.Close()
	dfd, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	out := os.NewFile(uintptr(dfd), name)
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// openRegular opens src/name for reading if it is still the regular file
// st describes. It opens without following a symlink and without blocking
// (a fifo swapped in would block a plain open), then checks.
func openRegular(src int, name string, st *unix.Stat_t) (*os.File, error) {
	fd, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	var got unix.Stat_t
	err = unix.Fstat(fd, &got)
	if err == nil && (got.Mode&unix.S_IFMT != unix.S_IFREG || got.Ino != st.Ino || got.Dev != st.Dev) {
		err = fmt.Errorf("%s changed while being copied", name)
	}
	if err == nil {
		err = unix.SetNonblock(fd, false)
	}
	if err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// setMetadata gives dir/name the owner, mode, xattrs and times of st and
// attrs. The owner comes first, as chown clears setuid bits and file
// capabilities; the times come last, as everything else changes them.
func setMetadata(dir int, name string, st *unix.Stat_t, attrs []xattr) error {
	if err := unix.Fchownat(dir, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "lchown", Path: name, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := chmodNoFollow(dir, name, st.Mode&0o7777); err != nil {
			return err
		}
	}
	// A filesystem without xattrs, or one refusing a namespace (user.* on
	// a symlink, trusted.* without CAP_SYS_ADMIN), loses those attributes
	// rather than failing the fill, as cp -a does.
	for _, a := range attrs {
		err := unix.Lsetxattr(procPath(dir, name), a.name, a.value, 0)
		if err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EPERM) {
			return &os.PathError{Op: "setxattr " + a.name, Path: name, Err: err}
		}
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(dir, name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "utimensat", Path: name, Err: err}
	}
	return nil
}

// chmodNoFollow changes the mode of dir/name, which is not a symlink,
// without following it should a symlink have replaced it. Kernels without
// fchmodat2 get the same through an O_PATH descriptor.
func chmodNoFollow(dir int, name string, mode uint32) error {
	err := unix.Fchmodat(dir, name, mode, unix.AT_SYMLINK_NOFOLLOW)
	if !errors.Is(err, unix.EOPNOTSUPP) && !errors.Is(err, unix.ENOSYS) {
		if err != nil {
			return &os.PathError{Op: "chmod", Path: name, Err: err}
		}
		return nil
	}
	fd, err := unix.Openat(dir, name, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: name, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return &os.PathError{Op: "chmod", Path: name, Err: unix.ELOOP}
	}
	err = unix.Fchmodat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), mode, 0)
	if err != nil {
		return &os.PathError{Op: "chmod", Path: name, Err: err}
	}
	return nil
}

// readlinkat reads the target of the symlink dir/name.
func readlinkat(dir int, name string) (string, error) {
	for size := 256; ; size *= 2 {
		b := make([]byte, size)
		n, err := unix.Readlinkat(dir, name, b)
		if err != nil {
			return "", err
		}
		if n < size {
			return string(b[:n]), nil
		}
	}
}

// removeEntry deletes dir/name, a whole tree if it is a directory,
// without following symlinks.
func removeEntry(dir int, name string) error {
	err := unix.Unlinkat(dir, name, 0)
	if err == nil || errors.Is(err, unix.ENOENT) {
		return nil
	}
	if !errors.Is(err, unix.EISDIR) && !errors.Is(err, unix.EPERM) {
		return err
	}
	return os.RemoveAll(procPath(dir, name))
}
