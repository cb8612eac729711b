package rootfs

import (
	"fmt"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// Prepare builds the container's mount tree under c.Rootfs, in runc's
// order: root propagation, the rootfs bound onto itself, every entry of
// spec.Mounts, then /dev.
//
// Preconditions: the process is in the container's new mount namespace
// (and its other namespaces), runs as root there, and its working directory
// is the bundle (relative bind sources are resolved against it). Prepare
// runs with umask 0 and restores the caller's umask before it returns; it
// leaves the working directory alone.
//
// Nothing Prepare mounts reaches the host: by default "/" is made rslave
// first. With linux.rootfsPropagation set to a propagation that could share
// mounts, the mount holding the rootfs is made private instead, as runc does
// (pivot_root(2) also refuses a shared parent).
func Prepare(c *Config) error {
	if err := c.validate(); err != nil {
		return err
	}
	defer unix.Umask(unix.Umask(0))
	if err := prepareRoot(c); err != nil {
		return withKind(err)
	}
	r, err := openRoot(c)
	if err != nil {
		return withKind(err)
	}
	defer r.close()
	for i := range c.Spec.Mounts {
		if err := r.mountSpec(&c.Spec.Mounts[i]); err != nil {
			return err
		}
	}
	if err := r.setupDev(); err != nil {
		return fmt.Errorf("setting up /dev: %w", withKind(err))
	}
	return r.createCwd()
}

// createCwd makes process.cwd when the image lacks it, as runc does (and
// Docker relies on for a WORKDIR that only the run names): inside the
// rootfs, never through a symlink out of it.
func (r *root) createCwd() error {
	p := r.c.Spec.Process
	if p == nil || p.Cwd == "" || p.Cwd == "/" {
		return nil
	}
	t, err := r.dir(path.Clean(p.Cwd), false)
	if err != nil {
		return fmt.Errorf("creating process.cwd %q: %w", p.Cwd, withKind(err))
	}
	t.close()
	return nil
}

// prepareRoot sets the propagation of "/" and binds the rootfs onto itself.
func prepareRoot(c *Config) error {
	prop, err := c.rootPropagation()
	if err != nil {
		return err
	}
	flags := prop
	if flags == 0 {
		flags = unix.MS_SLAVE | unix.MS_REC
	}
	if err := unix.Mount("", "/", "", flags, ""); err != nil {
		return fmt.Errorf("setting the propagation of /: %w", os.NewSyscallError("mount", err))
	}
	// After a recursive private or slave, no mount is shared any more; any
	// other propagation may leave the rootfs's parent shared, and the bind
	// below would then appear in the host's mount namespace.
	if flags&unix.MS_REC == 0 || flags&(unix.MS_PRIVATE|unix.MS_SLAVE) == 0 {
		if err := makeParentPrivate(c.Rootfs, flags); err != nil {
			return err
		}
	}
	if err := unix.Mount(c.Rootfs, c.Rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("binding the rootfs %q onto itself: %w", c.Rootfs, os.NewSyscallError("mount", err))
	}
	return nil
}

// makeParentPrivate makes the mount that holds p private (slave when the
// root propagation asks for slave). Without reading mountinfo, it walks up
// from p: mount(2) says EINVAL for a directory that is not a mount point.
func makeParentPrivate(p string, rootFlags uintptr) error {
	flags := uintptr(unix.MS_PRIVATE)
	if rootFlags&unix.MS_SLAVE != 0 {
		flags = unix.MS_SLAVE
	}
	for {
		err := unix.Mount("", p, "", flags, "")
		if err == nil {
			return nil
		}
		if err != unix.EINVAL || p == "/" {
			return fmt.Errorf("making the mount of %q private: %w", p, os.NewSyscallError("mount", err))
		}
		p = path.Dir(p)
	}
}
