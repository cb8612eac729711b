package rootfs

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// mountSpec mounts one entry of spec.Mounts into the rootfs.
func (r *root) mountSpec(m *specs.Mount) error {
	o, err := parseMount(m)
	if err == nil {
		dest := cleanDest(m.Destination)
		switch {
		case o.bind:
			err = r.mountBind(m.Source, dest, &o)
		case m.Type == "cgroup":
			err = r.mountCgroup(m, dest, &o)
		default:
			err = r.mountNew(m, dest, &o)
		}
	}
	if err != nil {
		name := m.Source
		if name == "" {
			name = m.Type
		}
		return fmt.Errorf("mounting %q on %q: %w", name, m.Destination, withKind(err))
	}
	return nil
}

// mountNew mounts a new instance of a filesystem (proc, tmpfs, devpts, ...).
func (r *root) mountNew(m *specs.Mount, dest string, o *mountOptions) error {
	// CVE-2019-19921: proc and sysfs must land on a real directory reached
	// without any symlink, or an image could have the container's /proc be
	// something else and redirect what the runtime later writes there.
	special := m.Type == "proc" || m.Type == "sysfs"
	t, err := r.mountpoint(dest, false, special)
	if special && errors.Is(err, unix.ELOOP) {
		return fmt.Errorf("%s must be mounted on a directory reached without symlinks: %w", m.Type, err)
	}
	if err != nil {
		return err
	}
	defer t.close()
	if err := checkDest(t.path, m.Type == "proc", nil); err != nil {
		return err
	}
	flags, data := o.flags, o.data
	if m.Type == "tmpfs" {
		// Read-only comes in Finalize: later mounts and /dev's devices
		// may still need to be created inside.
		flags &^= unix.MS_RDONLY
		if !t.created && !strings.Contains(data, "mode=") {
			data = withModeOf(t.fd, data)
		}
	}
	if err := unix.Mount(m.Source, fdPath(t.fd), m.Type, flags, data); err != nil {
		if m.Type == "sysfs" && err == unix.EPERM && (r.c.UserNS || !r.c.newNetNS()) {
			// A user namespace may not mount sysfs for a network
			// namespace it does not own: show the host's, as runc does.
			return r.bindOnto("/sys", t, &mountOptions{flags: o.flags | unix.MS_BIND | unix.MS_REC,
				cleared: o.cleared, propagation: o.propagation, recAttr: o.recAttr, recursive: true})
		}
		return os.NewSyscallError("mount", err)
	}
	return r.afterMount(t, o)
}

// withModeOf prefixes data with the mode of the directory a tmpfs covers, so
// that the tmpfs keeps it (a /tmp stays 1777), as runc does.
func withModeOf(fd int, data string) string {
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil {
		return data
	}
	mode := "mode=0" + strconv.FormatUint(uint64(st.Mode&0o7777), 8)
	if data == "" {
		return mode
	}
	return mode + "," + data
}

// afterMount applies the propagation and recursive options of a new mount
// on t, which needs a handle on the new mount itself.
func (r *root) afterMount(t target, o *mountOptions) error {
	if len(o.propagation) == 0 && !o.hasRecAttr() {
		return nil
	}
	n, err := r.reopen(t, 0)
	if err != nil {
		return err
	}
	defer n.close()
	return applyPropagation(n.fd, o)
}

// applyPropagation sets the propagation and recursive options of the mount
// whose root fd is.
func applyPropagation(fd int, o *mountOptions) error {
	for _, p := range o.propagation {
		if err := unix.Mount("", fdPath(fd), "", p, ""); err != nil {
			return fmt.Errorf("setting propagation: %w", os.NewSyscallError("mount", err))
		}
	}
	if o.hasRecAttr() {
		if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &o.recAttr); err != nil {
			return os.NewSyscallError("mount_setattr", err)
		}
	}
	return nil
}

// mountBind bind-mounts the host path src (relative to the bundle, the
// working directory, when not absolute) onto dest inside the rootfs.
func (r *root) mountBind(src, dest string, o *mountOptions) error {
	tree, err := cloneTree(src, o.recursive)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	var st unix.Stat_t
	if err := unix.Fstat(tree, &st); err != nil {
		return os.NewSyscallError("fstat", err)
	}
	t, err := r.mountpoint(dest, st.Mode&unix.S_IFMT != unix.S_IFDIR, false)
	if err != nil {
		return err
	}
	defer t.close()
	return r.attach(tree, t, o)
}

// bindOnto bind-mounts the host path src onto the open target t.
func (r *root) bindOnto(src string, t target, o *mountOptions) error {
	tree, err := cloneTree(src, o.recursive)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	return r.attach(tree, t, o)
}

// cloneTree makes a detached copy of the mount tree at src: open_tree(2)
// hands back the new bind mount itself, which later remounts act on.
func cloneTree(src string, recursive bool) (int, error) {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, src, flags)
	if err != nil {
		return -1, &os.PathError{Op: "open_tree", Path: src, Err: err}
	}
	return tree, nil
}

// attach moves the detached mount tree onto t and applies o's flags to it.
func (r *root) attach(tree int, t target, o *mountOptions) error {
	procRoot := func() bool {
		var st unix.Statfs_t
		return unix.Fstatfs(tree, &st) == nil && st.Type == unix.PROC_SUPER_MAGIC
	}
	if err := checkDest(t.path, false, procRoot); err != nil {
		return err
	}
	err := unix.MoveMount(tree, "", t.fd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
	if err != nil {
		return os.NewSyscallError("move_mount", err)
	}
	if o.flags&^bindOnlyFlags != 0 || o.cleared != 0 {
		if err := remountBind(tree, fdPath(tree), o.flags, o.cleared); err != nil {
			return err
		}
	}
	return applyPropagation(tree, o)
}

// remountBind applies the per-mount flags to the bind mount at target (fd
// is that mount): a bind ignores them, so "ro", "nosuid", ... take a second
// mount(MS_REMOUNT|MS_BIND). In a user namespace the kernel refuses to clear
// the flags it locked on a mount inherited from the host (MNT_LOCK_*):
// those are read back with statfs(2) and kept, unless an option asked to
// clear one, which is an error.
func remountBind(fd int, target string, flags, cleared uintptr) error {
	flags = flags&^unix.MS_REC | unix.MS_BIND | unix.MS_REMOUNT
	err := unix.Mount("", target, "", flags, "")
	if err != unix.EPERM {
		return os.NewSyscallError("remount", err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(fd, &st); err != nil {
		return os.NewSyscallError("fstatfs", err)
	}
	locked := uintptr(st.Flags) & lockableFlags
	if c := locked & cleared &^ atimeFlags; c != 0 {
		return fmt.Errorf("cannot clear the locked mount flags %s: %w", describeFlags(c), os.NewSyscallError("remount", err))
	}
	if flags&atimeFlags != 0 {
		locked &^= atimeFlags // asked for: the kernel says whether it may change
	}
	if err := unix.Mount("", target, "", flags|locked, ""); err != nil {
		return fmt.Errorf("remount keeping the locked flags %s: %w", describeFlags(locked), os.NewSyscallError("mount", err))
	}
	return nil
}

// checkDest refuses mounts over the container's /proc and into it.
// CVE-2019-16884: a mount over /proc, or over files in it, lets an image
// fake the files the runtime and the kernel's LSMs rely on (such as
// /proc/self/attr). Only a procfs may go on /proc (a new one, or a bind of
// one, procRoot says), and below /proc only the files lxcfs emulates.
// dest is the resolved destination, symlinks followed.
func checkDest(dest string, isProc bool, procRoot func() bool) error {
	switch {
	case dest == "/":
		return fmt.Errorf("cannot mount over the container's root: %w", errdefs.ErrInvalidArgument)
	case dest == "/proc":
		if isProc || (procRoot != nil && procRoot()) {
			return nil
		}
		return fmt.Errorf("only a procfs may be mounted on /proc: %w", errdefs.ErrInvalidArgument)
	case strings.HasPrefix(dest, "/proc/"):
		switch dest {
		case "/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat",
			"/proc/swaps", "/proc/uptime", "/proc/loadavg", "/proc/slabinfo",
			"/proc/sys/kernel/ns_last_pid", "/proc/sys/crypto/fips_enabled":
			return nil
		}
		return fmt.Errorf("%q is inside /proc: %w", dest, errdefs.ErrInvalidArgument)
	}
	return nil
}
