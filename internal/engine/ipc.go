package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/snapshot"
	"github.com/hullrt/hull/internal/spec"
)

// A container's /dev/shm is normally a tmpfs in its own mount namespace,
// where no other container's bind can reach. With --ipc shareable, as in
// Docker, the engine mounts that tmpfs on the host instead, in the
// container's directory, and binds it in; a container started with --ipc
// container:NAME joins NAME's IPC namespace and binds the same tmpfs.

func (e *Engine) shmDir(id string) string { return filepath.Join(e.dir(id), "shm") }

// setIPC fills the spec options' IPC mode and /dev/shm for the record's
// --ipc: the host tmpfs of a "shareable" one (mounted by prepareBundle),
// the donor's for "container:NAME".
func (e *Engine) setIPC(o *spec.Options, c *Container) error {
	mode := string(c.HostConfig.IpcMode)
	switch {
	case mode == string(container.IPCModeShareable):
		o.ShmSource = e.shmDir(c.ID)
	case strings.HasPrefix(mode, "container:"):
		donor, err := e.Lookup(strings.TrimPrefix(mode, "container:"))
		if err != nil {
			return err
		}
		if donor.HostConfig.IpcMode != container.IPCModeShareable {
			return fmt.Errorf("can't join IPC of container %s: non-shareable IPC (hint: use --ipc shareable for the donor container): %w", donor.Name, errdefs.ErrInvalidArgument)
		}
		if err := e.joinMode(&o.IpcMode); err != nil {
			return err
		}
		o.ShmSource = e.shmDir(donor.ID)
	}
	return nil
}

// mountShm mounts the /dev/shm tmpfs of a container with --ipc shareable
// (of ShmSize, Docker's 64 MiB for 0) unless it is there already (a
// restart).
func (e *Engine) mountShm(c *Container) error {
	if c.HostConfig.IpcMode != container.IPCModeShareable {
		return nil
	}
	dir, size := e.shmDir(c.ID), c.HostConfig.ShmSize
	if mounted(dir) {
		return nil
	}
	if size <= 0 {
		size = spec.DefaultShmSize
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	data := "mode=1777,size=" + strconv.FormatInt(size, 10)
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, data); err != nil {
		return fmt.Errorf("mounting the shareable /dev/shm: %w", err)
	}
	return nil
}

// unmountShm undoes mountShm; a container that never had one is fine.
func (e *Engine) unmountShm(id string) error {
	return snapshot.Unmount(e.shmDir(id))
}
