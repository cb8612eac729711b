package rootfs

import (
	"fmt"
	"os"
	"path"
	"slices"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// defaultDevices are the devices the runtime-spec says every container has,
// as runc creates them: 0666, owned by root.
var defaultDevices = [...]struct {
	path         string
	major, minor int64
}{
	{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/full", 1, 7},
	{"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
}

// devSymlinks are the links every /dev has.
var devSymlinks = [...][2]string{
	{"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
}

// needsDev reports whether Prepare populates /dev: not when /dev is a bind
// mount (say, of the host's /dev), where nothing must be created, as in runc.
func (c *Config) needsDev() bool {
	for i := range c.Spec.Mounts {
		m := &c.Spec.Mounts[i]
		if cleanDest(m.Destination) == "/dev" {
			if o, err := parseMount(m); err == nil && o.bind {
				return false
			}
		}
	}
	return true
}

// setupDev creates the default devices and those of linux.devices, the
// /dev symlinks, /dev/ptmx and /dev/console.
func (r *root) setupDev() error {
	if !r.c.needsDev() {
		return r.setupConsole(target{fd: -1})
	}
	dev, err := r.mountpoint("/dev", false, false)
	if err != nil {
		return err
	}
	defer dev.close()
	if err := r.createDevices(dev); err != nil {
		return err
	}
	for _, l := range devLinks() {
		if err := unix.Symlinkat(l[1], dev.fd, l[0]); err != nil && err != unix.EEXIST {
			return &os.PathError{Op: "symlink", Path: "/dev/" + l[0], Err: err}
		}
	}
	// /dev/ptmx is the container's devpts's ptmx, not a host device.
	if err := unix.Unlinkat(dev.fd, "ptmx", 0); err != nil && err != unix.ENOENT {
		return &os.PathError{Op: "unlink", Path: "/dev/ptmx", Err: err}
	}
	if err := unix.Symlinkat("pts/ptmx", dev.fd, "ptmx"); err != nil {
		return &os.PathError{Op: "symlink", Path: "/dev/ptmx", Err: err}
	}
	return r.setupConsole(dev)
}

// devLinks are the /dev symlinks to make: devSymlinks, and /dev/core
// where the host has /proc/kcore.
func devLinks() [][2]string {
	links := devSymlinks[:]
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"core", "/proc/kcore"})
	}
	return links
}

// devices lists the device nodes to make, in order: the default devices
// that linux.devices does not redefine, then linux.devices, but for
// /dev/ptmx (the symlink to pts/ptmx).
func (c *Config) devices() []specs.LinuxDevice {
	devices := c.linux().Devices
	mode := os.FileMode(0o666)
	var out []specs.LinuxDevice
	for _, d := range &defaultDevices {
		if !slices.ContainsFunc(devices, func(x specs.LinuxDevice) bool { return cleanDest(x.Path) == d.path }) {
			out = append(out, specs.LinuxDevice{Path: d.path, Type: "c", Major: d.major, Minor: d.minor, FileMode: &mode})
		}
	}
	for _, d := range devices {
		if cleanDest(d.Path) != "/dev/ptmx" {
			out = append(out, d)
		}
	}
	return out
}

// createDevices creates c.devices().
func (r *root) createDevices(dev target) error {
	for _, d := range r.c.devices() {
		if err := r.createDevice(dev, d); err != nil {
			return err
		}
	}
	return nil
}

// createDevice creates one device node; dev is the open /dev, used when the
// node goes there.
func (r *root) createDevice(dev target, d specs.LinuxDevice) error {
	mode, rdev, err := deviceMode(&d)
	if err != nil {
		return err
	}
	p := cleanDest(d.Path)
	if p == "/" {
		return fmt.Errorf("device path %q: %w", d.Path, errdefs.ErrInvalidArgument)
	}
	dir, base := path.Split(p)
	parent := dev
	if dir = path.Clean(dir); dir != "/dev" || dev.path != "/dev" {
		if parent, err = r.dir(dir, false); err != nil {
			return fmt.Errorf("device %q: %w", d.Path, err)
		}
		defer parent.close()
	}
	if r.c.UserNS && mode&unix.S_IFMT != unix.S_IFIFO {
		return bindDevice(parent, base, p)
	}
	err = unix.Mknodat(parent.fd, base, mode, rdev)
	switch err {
	case nil:
		if uid, gid := deviceOwner(&d); uid != 0 || gid != 0 {
			err = unix.Fchownat(parent.fd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
		}
	case unix.EEXIST:
		return adoptDevice(parent, base, p, &d, mode, rdev)
	case unix.EPERM:
		// A user namespace the caller did not tell us about.
		return bindDevice(parent, base, p)
	}
	if err != nil {
		return &os.PathError{Op: "mknod", Path: p, Err: err}
	}
	return nil
}

// deviceMode returns the mknod(2) mode and device number of d.
func deviceMode(d *specs.LinuxDevice) (uint32, int, error) {
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(*d.FileMode) & 0o7777
	}
	switch d.Type {
	case "c", "u":
		perm |= unix.S_IFCHR
	case "b":
		perm |= unix.S_IFBLK
	case "p":
		return perm | unix.S_IFIFO, 0, nil
	default:
		return 0, 0, fmt.Errorf("device %q: type %q: %w", d.Path, d.Type, errdefs.ErrInvalidArgument)
	}
	return perm, int(unix.Mkdev(uint32(d.Major), uint32(d.Minor))), nil
}

func deviceOwner(d *specs.LinuxDevice) (uid, gid int) {
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	return uid, gid
}

// adoptDevice accepts a node that was already in the image if it is the
// requested device, and sets its mode and owner; anything else at the path
// is an error, as the runtime-spec requires.
func adoptDevice(parent target, base, p string, d *specs.LinuxDevice, mode uint32, rdev int) error {
	fd, err := unix.Openat(parent.fd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "stat", Path: p, Err: err}
	}
	if st.Mode&unix.S_IFMT != mode&unix.S_IFMT || (mode&unix.S_IFMT != unix.S_IFIFO && st.Rdev != uint64(rdev)) {
		return fmt.Errorf("device %q: something else is already there: %w", p, errdefs.ErrAlreadyExists)
	}
	if err := unix.Chmod(fdPath(fd), mode&0o7777); err != nil {
		return &os.PathError{Op: "chmod", Path: p, Err: err}
	}
	uid, gid := deviceOwner(d)
	if err := unix.Fchownat(fd, "", uid, gid, unix.AT_EMPTY_PATH); err != nil {
		return &os.PathError{Op: "chown", Path: p, Err: err}
	}
	return nil
}

// bindDevice bind-mounts the host's node at host onto base in parent, for a
// user namespace, where mknod(2) of a device is refused.
func bindDevice(parent target, base, host string) error {
	tree, err := cloneTree(host, false)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	return moveOntoFile(tree, parent, base)
}

// moveOntoFile attaches the detached mount tree (a device or a pty) onto
// base in parent, creating an empty file there when it is missing. A
// symlink or a directory at base is refused: CVE-2025-52565, an image's
// /dev/console pointing elsewhere turned the bind into one of the pty over
// a file of the attacker's choosing.
func moveOntoFile(tree int, parent target, base string) error {
	p := path.Join(parent.path, base)
	fd, err := unix.Openat(parent.fd, base, unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		fd, err = unix.Openat(parent.fd, base, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_RDONLY|unix.O_CLOEXEC, 0o666)
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: p, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "stat", Path: p, Err: err}
	}
	if t := st.Mode & unix.S_IFMT; t == unix.S_IFLNK || t == unix.S_IFDIR {
		return fmt.Errorf("%q is not a file to mount a device on: %w", p, errdefs.ErrInvalidArgument)
	}
	if err := unix.MoveMount(tree, "", fd, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return &os.PathError{Op: "move_mount", Path: p, Err: err}
	}
	return nil
}

// setupConsole binds c.Console, the pty slave, onto /dev/console. dev is the
// open /dev, or has fd -1 when /dev is to be looked up.
func (r *root) setupConsole(dev target) error {
	if r.c.Console == "" {
		return nil
	}
	tree, err := cloneTree(r.c.Console, false)
	if err != nil {
		return fmt.Errorf("console: %w", err)
	}
	defer unix.Close(tree)
	var st unix.Stat_t
	if err := unix.Fstat(tree, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR {
		return fmt.Errorf("console %q is not a terminal: %w", r.c.Console, errdefs.ErrInvalidArgument)
	}
	if dev.fd < 0 {
		if dev, err = r.mountpoint("/dev", false, false); err != nil {
			return err
		}
		defer dev.close()
	}
	return moveOntoFile(tree, dev, "console")
}
