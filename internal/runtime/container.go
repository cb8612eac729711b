package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
)

// Container is one container's handle: its saved state plus the operations
// of the lifecycle. A Container is not safe for concurrent use; separate
// processes may work on the same container, serialised by a lock file for
// the duration of each state-changing operation.
type Container struct {
	rt    *Runtime
	dir   string
	state *State
	// stamp is that of the state file state was read from or written to
	// (zero if unknown): refresh reads the file again only if it changed.
	stamp stateStamp
}

// ID returns the container's id.
func (c *Container) ID() string { return c.state.ID }

// Pid returns the host pid of the container's init.
func (c *Container) Pid() int { return c.state.Pid }

// Bundle returns the absolute path of the bundle the container came from.
func (c *Container) Bundle() string { return c.state.Bundle }

// CgroupPaths returns the container's cgroup directories by controller
// ("" for the unified hierarchy).
func (c *Container) CgroupPaths() map[string]string { return c.state.CgroupPaths }

// Config returns the configuration the container was created with.
func (c *Container) Config() *specs.Spec { return c.state.Config }

func (c *Container) fifoPath() string { return filepath.Join(c.dir, "exec.fifo") }

// Status works out the container's status now: from whether init lives,
// whether it still waits on the exec fifo, and the cgroup freezer.
func (c *Container) Status() Status {
	if !c.state.alive() {
		return Stopped
	}
	if _, err := os.Lstat(c.fifoPath()); err == nil {
		return Created
	}
	if m, err := c.cgroup(); err == nil {
		if frozen, err := m.Frozen(); err == nil && frozen {
			return Paused
		}
	}
	return Running
}

// OCIState returns the state document of the OCI runtime spec.
func (c *Container) OCIState() *OCIState {
	s := c.state
	st := &OCIState{
		OCIVersion: specs.Version,
		ID:         s.ID,
		Status:     c.Status(),
		Bundle:     s.Bundle,
		Rootfs:     s.Rootfs,
		Created:    s.Created,
		Owner:      s.Owner,
	}
	if s.Config != nil {
		st.Annotations = s.Config.Annotations
	}
	// The spec: pid is required when running or created, absent when stopped.
	if st.Status != Stopped {
		st.Pid = s.Pid
	}
	return st
}

func (c *Container) cgroup() (cgroups.Manager, error) {
	return cgroups.Load(c.state.CgroupPaths)
}

// lock takes an exclusive lock on the container's directory for one
// operation; the returned function releases it. The lock dies with the
// process, so a kill -9 never leaves a container locked.
func (c *Container) lock() (func(), error) {
	fd, err := lockDir(c.dir)
	if errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("container %q does not exist: %w", c.state.ID, errdefs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("locking container %q: %w", c.state.ID, err)
	}
	return func() { unix.Close(fd) }, nil
}

// lockDir opens a container's state directory and takes its exclusive
// lock, waiting for the holder, and returns the descriptor that holds it.
// Create takes it too, before the container has a state.
func lockDir(dir string) (int, error) {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// refresh rereads the state after taking the lock: another process may
// have changed or deleted the container since it was loaded.
func (c *Container) refresh() error {
	if c.stamp != (stateStamp{}) && currentStamp(c.dir) == c.stamp {
		return nil // decoding it again costs 0.2 ms: it holds the spec
	}
	s, stamp, err := loadStateStamped(c.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("container %q does not exist: %w", c.state.ID, errdefs.ErrNotFound)
	}
	if err != nil {
		return err
	}
	c.state, c.stamp = s, stamp
	return nil
}

// locked runs fn holding the container's lock, with fresh state.
func (c *Container) locked(fn func() error) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := c.refresh(); err != nil {
		return err
	}
	return fn()
}
