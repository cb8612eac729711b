package rootfs

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Finalize does what must wait until the container's tree is complete and
// is its root: linux.readonlyPaths, linux.maskedPaths, read-only for the
// tmpfs mounts (/dev among them) whose options say "ro", then a read-only
// root when spec.root.readonly is set.
//
// Preconditions: Pivot succeeded. Sysctls must be written before Finalize,
// which usually makes /proc/sys read-only.
func Finalize(c *Config) error {
	if err := c.validate(); err != nil {
		return err
	}
	f := newFinalizer()
	linux := c.linux()
	for _, p := range linux.ReadonlyPaths {
		if err := f.readonly(p); err != nil {
			return fmt.Errorf("making %q read-only: %w", p, withKind(err))
		}
	}
	if err := f.mask(linux.MaskedPaths); err != nil {
		return withKind(err)
	}
	for _, t := range c.readonlyTmpfs() {
		if err := f.remountReadonly(t.dest, t.flags); err != nil {
			return fmt.Errorf("making %q read-only: %w", t.dest, withKind(err))
		}
	}
	if c.Spec.Root != nil && c.Spec.Root.Readonly {
		if err := readonlyRoot(); err != nil {
			return fmt.Errorf("making the root read-only: %w", withKind(err))
		}
	}
	return nil
}

// roTmpfs is a tmpfs mount that Finalize makes read-only.
type roTmpfs struct {
	dest  string  // cleaned destination
	flags uintptr // its other flags, kept
}

// readonlyTmpfs lists the tmpfs mounts whose options say "ro": Prepare
// mounts them writable, so that mountpoints can still be made inside.
func (c *Config) readonlyTmpfs() []roTmpfs {
	var out []roTmpfs
	for i := range c.Spec.Mounts {
		m := &c.Spec.Mounts[i]
		if m.Type != "tmpfs" {
			continue
		}
		if o, err := parseMount(m); err == nil && !o.bind && o.flags&unix.MS_RDONLY != 0 {
			out = append(out, roTmpfs{cleanDest(m.Destination), o.flags})
		}
	}
	return out
}

// finalizer works inside the container's root, where a path can no longer
// lead to the host. Mount targets are still passed as /proc/self/fd/N of a
// handle when the container has a procfs on /proc, so each mount lands on
// the file that was checked.
type finalizer struct {
	procfs bool
}

func newFinalizer() *finalizer {
	var st unix.Statfs_t
	return &finalizer{procfs: unix.Statfs("/proc", &st) == nil && st.Type == unix.PROC_SUPER_MAGIC}
}

// at names the open file fd, known as p, for mount(2).
func (f *finalizer) at(fd int, p string) string {
	if f.procfs {
		return fdPath(fd)
	}
	return p
}

// remountReadonly remounts the mount on p read-only, keeping flags.
func (f *finalizer) remountReadonly(p string, flags uintptr) error {
	fd, err := unix.Open(p, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	return remountBind(fd, f.at(fd, p), flags|unix.MS_RDONLY, 0)
}

// readonlyRoot remounts "/" read-only, keeping its other flags (nosuid,
// nodev, noexec, access times), as read from statfs(2): the kernel refuses
// to clear those it locked in a user namespace.
func readonlyRoot() error {
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		return &os.PathError{Op: "statfs", Path: "/", Err: err}
	}
	flags := uintptr(st.Flags)&lockableFlags | unix.MS_RDONLY | unix.MS_BIND | unix.MS_REMOUNT
	return os.NewSyscallError("remount", unix.Mount("", "/", "", flags, ""))
}
