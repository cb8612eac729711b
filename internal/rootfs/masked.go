package rootfs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// readonly makes the path p read-only: a recursive bind of p onto itself,
// remounted read-only with its other flags (nosuid, nodev, noexec, access
// times) kept. A missing p is not an error (the runtime-spec lists paths
// that may not exist).
func (f *finalizer) readonly(p string) error {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT || err == unix.ENOTDIR {
		return nil
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE|unix.AT_EMPTY_PATH)
	if err != nil {
		return os.NewSyscallError("open_tree", err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", fd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return os.NewSyscallError("move_mount", err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(tree, &st); err != nil {
		return os.NewSyscallError("fstatfs", err)
	}
	keep := uintptr(st.Flags) & lockableFlags
	return remountBind(tree, f.at(tree, p), keep|unix.MS_RDONLY, 0)
}

// mask hides each of paths that exists: a directory under an empty
// read-only tmpfs, anything else under /dev/null.
func (f *finalizer) mask(paths []string) error {
	null := -1
	defer func() {
		if null >= 0 {
			unix.Close(null)
		}
	}()
	for _, p := range paths {
		fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err == unix.ENOENT || err == unix.ENOTDIR {
			continue
		}
		if err != nil {
			return fmt.Errorf("masking %q: %w", p, &os.PathError{Op: "open", Path: p, Err: err})
		}
		err = f.maskOne(fd, p, &null)
		unix.Close(fd)
		if err != nil {
			return fmt.Errorf("masking %q: %w", p, err)
		}
	}
	return nil
}

// maskOne masks the open path fd; *null is the container's /dev/null, opened
// and checked on first use.
func (f *finalizer) maskOne(fd int, p string, null *int) error {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return os.NewSyscallError("fstat", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return os.NewSyscallError("mount", unix.Mount("tmpfs", f.at(fd, p), "tmpfs", unix.MS_RDONLY, ""))
	}
	if *null < 0 {
		n, err := openDevNull()
		if err != nil {
			return err
		}
		*null = n
	}
	return os.NewSyscallError("mount", unix.Mount(f.at(*null, "/dev/null"), f.at(fd, p), "", unix.MS_BIND, ""))
}

// openDevNull opens the container's /dev/null and checks it is the null
// device. CVE-2025-31133: when /dev/null was a symlink (or was swapped for
// one) to, say, /proc/sys/kernel/core_pattern, masking bound that file,
// writable, over the masked paths.
func openDevNull() (int, error) {
	fd, err := unix.Open("/dev/null", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: "/dev/null", Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		unix.Close(fd)
		return -1, fmt.Errorf("/dev/null is not the null device: %w", errdefs.ErrInvalidArgument)
	}
	return fd, nil
}
