package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	goruntime "runtime"
	"strconv"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"golang.org/x/sys/unix"
)

// resolveInRoot makes the kernel treat a container's root as "/" for every
// lookup: ".." stops there and absolute symlinks resolve inside it, so a
// symlink the container planted (/data -> /etc on the host, say) never
// leads a copy out of the container. Magic links (/proc/self/fd/N) would
// jump out, so they are refused.
const resolveInRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// inContainerFS runs fn with the container's filesystem as its processes
// see it: the root filesystem with the container's volumes and binds
// mounted at their destinations. root is an O_PATH descriptor of that
// root; fn resolves paths beneath it with openat2(resolveInRoot), never by
// path from "/".
//
// The view is built in a private mount namespace on a thread of its own,
// so the host's mount table never shows it, nothing is left mounted if
// hull is killed, and it works alike for a created, running or stopped
// container. The thread is never unlocked: Go ends it with the goroutine,
// and the namespace goes with it. A container's tmpfs mounts exist only in
// its own namespace and are not part of the view, as with Docker's cp.
func (e *Engine) inContainerFS(ctx context.Context, c *Container, fn func(root int) error) error {
	unlock, err := e.lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	rootfs := filepath.Join(e.dir(c.ID), "rootfs")
	// Mounted in the host's namespace, as Start would: under the lock no
	// start can mount it a second time, and rm unmounts it.
	if err := e.mountRootfs(ctx, c, rootfs); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		errc <- viewContainerFS(c, rootfs, fn)
	}()
	return <-errc
}

// viewContainerFS is inContainerFS's work on the locked thread.
func viewContainerFS(c *Container, rootfs string, fn func(root int) error) error {
	if err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS); err != nil {
		return fmt.Errorf("entering a private mount namespace: %w", err)
	}
	// Nothing mounted here may propagate back to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making the mount namespace private: %w", err)
	}
	root, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening the root filesystem: %w", err)
	}
	defer unix.Close(root)
	for _, m := range c.Mounts { // sorted by depth at create: parents first
		if m.Type != mount.TypeVolume && m.Type != mount.TypeBind {
			continue
		}
		if err := bindInto(root, m); err != nil {
			return fmt.Errorf("mounting %s at %s: %w", m.Source, m.Destination, err)
		}
	}
	// The container's own /etc/hostname, hosts and resolv.conf, which
	// start binds over the image's (see etcFiles), once it has started.
	for _, name := range []string{"hostname", "hosts", "resolv.conf"} {
		src := filepath.Join(filepath.Dir(rootfs), name)
		if _, err := os.Stat(src); err != nil {
			continue
		}
		m := Mount{MountPoint: container.MountPoint{Source: src, Destination: "/etc/" + name, RW: !c.HostConfig.ReadonlyRootfs}}
		if err := bindInto(root, m); err != nil {
			return fmt.Errorf("mounting %s at %s: %w", m.Source, m.Destination, err)
		}
	}
	return fn(root)
}

// bindInto bind-mounts m's source on its destination beneath root,
// creating the destination (as the runtime would at start) when missing,
// and read-only when m is.
func bindInto(root int, m Mount) error {
	st, err := os.Stat(m.Source)
	if err != nil {
		return err
	}
	fd, err := openInRoot(root, m.Destination, unix.O_PATH)
	if errors.Is(err, unix.ENOENT) {
		fd, err = makeInRoot(root, m.Destination, st.IsDir())
	}
	if err != nil {
		return err
	}
	err = unix.Mount(m.Source, fdPath(fd), "", unix.MS_BIND|unix.MS_REC, "")
	unix.Close(fd)
	if err != nil || m.RW {
		return err
	}
	// The descriptor names the directory under the new mount: look the
	// destination up again to reach the mount itself.
	if fd, err = openInRoot(root, m.Destination, unix.O_PATH); err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Mount("", fdPath(fd), "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY, "")
}

// openInRoot opens p beneath root, resolving it as the container would.
func openInRoot(root int, p string, flags uint64) (int, error) {
	how := unix.OpenHow{Flags: flags | unix.O_CLOEXEC, Resolve: resolveInRoot}
	for i := 0; ; i++ {
		fd, err := unix.Openat2(root, p, &how)
		if (err == unix.EAGAIN || err == unix.EINTR) && i < 16 {
			continue // a rename raced the lookup
		}
		if err != nil {
			return -1, &os.PathError{Op: "open", Path: p, Err: err}
		}
		return fd, nil
	}
}

// makeInRoot creates p beneath root, a directory or an empty file, with
// its missing parents, and returns an O_PATH descriptor of it.
func makeInRoot(root int, p string, dir bool) (int, error) {
	p = path.Clean("/" + p)
	if p == "/" {
		return openInRoot(root, ".", unix.O_PATH|unix.O_DIRECTORY)
	}
	parent, err := openInRoot(root, path.Dir(p), unix.O_PATH|unix.O_DIRECTORY)
	if errors.Is(err, unix.ENOENT) {
		parent, err = makeInRoot(root, path.Dir(p), true)
	}
	if err != nil {
		return -1, err
	}
	defer unix.Close(parent)
	name := path.Base(p)
	if dir {
		err = unix.Mkdirat(parent, name, 0o755)
	} else {
		var fd int
		fd, err = unix.Openat(parent, name, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
		if err == nil {
			unix.Close(fd)
		}
	}
	if err != nil && err != unix.EEXIST {
		return -1, &os.PathError{Op: "create", Path: p, Err: err}
	}
	return openInRoot(root, p, unix.O_PATH)
}

// fdPath names an open descriptor for the calls that take only paths
// (mount(2), reopening an O_PATH descriptor).
func fdPath(fd int) string { return "/proc/self/fd/" + strconv.Itoa(fd) }
