package rootfs

import (
	"fmt"
	"os"
	"strings"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Pivot makes c.Rootfs the process's root and changes directory to it:
// pivot_root(2), after which the host's tree is lazily unmounted, or, with
// c.NoPivot, a move of the rootfs onto "/" and a chroot. Then it applies
// linux.rootfsPropagation to the new root when that asks for shared or
// unbindable (private and slave were applied by Prepare).
//
// Preconditions: Prepare succeeded in this mount namespace. Afterwards the
// host's files are out of reach; paths are the container's.
func Pivot(c *Config) error {
	if err := c.validate(); err != nil {
		return err
	}
	prop, err := c.rootPropagation()
	if err != nil {
		return err
	}
	if c.NoPivot {
		err = moveRoot(c.Rootfs)
	} else {
		err = pivotRoot(c.Rootfs)
	}
	if err != nil {
		return fmt.Errorf("entering the rootfs %q: %w", c.Rootfs, withKind(err))
	}
	// Done only now: before the pivot, "/" was the host's root, and a
	// shared propagation there could have joined the host's peer group.
	if prop != 0 && prop&(unix.MS_PRIVATE|unix.MS_SLAVE) == 0 {
		if err := unix.Mount("", "/", "", prop, ""); err != nil {
			return fmt.Errorf("setting the propagation of the new root: %w", withKind(os.NewSyscallError("mount", err)))
		}
	}
	return nil
}

// pivotRoot pivots with pivot_root(".", "."), which needs no directory for
// the old root: afterwards the old root is mounted on top of the new one,
// and the working directory is in it, so it can be unmounted right away.
func pivotRoot(rootfs string) error {
	oldRoot, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: "/", Err: err}
	}
	defer unix.Close(oldRoot)
	newRoot, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: rootfs, Err: err}
	}
	defer unix.Close(newRoot)
	if err := unix.Fchdir(newRoot); err != nil {
		return os.NewSyscallError("fchdir", err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return os.NewSyscallError("pivot_root", err)
	}
	if err := unix.Fchdir(oldRoot); err != nil {
		return os.NewSyscallError("fchdir", err)
	}
	// rslave first, so the unmount below cannot propagate to the host and
	// take its mounts away (rprivate would race with the host's own use).
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return os.NewSyscallError("mount", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return os.NewSyscallError("umount2", err)
	}
	return os.NewSyscallError("chdir", unix.Chdir("/"))
}

// moveRoot moves the rootfs onto "/" and chroots into it, for roots
// pivot_root(2) refuses (an initramfs). The host's mounts stay in the mount
// namespace, below the chroot: the full proc and sysfs mounts among them
// are detached (or covered) first, because the kernel lets a process mount
// a new procfs or sysfs only while a full one is visible in its namespace,
// and the container must not get that from the host's, as runc does.
func moveRoot(rootfs string) error {
	infos, err := readMountinfo(func(mi *mountinfo.Info) (skip, stop bool) {
		inside := mi.Mountpoint == rootfs || strings.HasPrefix(mi.Mountpoint, rootfs+"/")
		return mi.Root != "/" || (mi.FSType != "proc" && mi.FSType != "sysfs") || inside, false
	})
	if err != nil {
		return err
	}
	for _, mi := range infos {
		if err := unix.Mount("", mi.Mountpoint, "", unix.MS_SLAVE|unix.MS_REC, ""); err == unix.ENOENT {
			continue // below something detached already
		} else if err != nil {
			return os.NewSyscallError("mount", err)
		}
		if err := unix.Unmount(mi.Mountpoint, unix.MNT_DETACH); err != nil {
			if err := unix.Mount("tmpfs", mi.Mountpoint, "tmpfs", unix.MS_RDONLY, ""); err != nil {
				return fmt.Errorf("covering %q: %w", mi.Mountpoint, os.NewSyscallError("mount", err))
			}
		}
	}
	if err := unix.Chdir(rootfs); err != nil {
		return &os.PathError{Op: "chdir", Path: rootfs, Err: err}
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return os.NewSyscallError("mount", err)
	}
	if err := unix.Chroot("."); err != nil {
		return os.NewSyscallError("chroot", err)
	}
	return os.NewSyscallError("chdir", unix.Chdir("/"))
}
