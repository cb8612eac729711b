package runtime

import (
	"fmt"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Signal sends sig to the container's init, or with all to every process
// in its cgroup. A stopped container cannot be signalled.
func (c *Container) Signal(sig unix.Signal, all bool) error {
	return c.locked(func() error {
		st := c.Status()
		if st == Stopped && !all {
			return fmt.Errorf("container %q is not running: %w", c.ID(), errdefs.ErrConflict)
		}
		if all {
			return c.killAll(sig)
		}
		if err := c.state.signalInit(sig); err != nil {
			return fmt.Errorf("signalling container %q: %w", c.ID(), err)
		}
		return nil
	})
}

// killAll signals every process in the container. When init is the only
// holder of a private pid namespace, killing it is enough: the kernel
// kills the rest. Otherwise the cgroup holds them all.
func (c *Container) killAll(sig unix.Signal) error {
	if sig == unix.SIGKILL && c.ownsPidNS() {
		if err := c.state.signalInit(sig); err != nil && err != unix.ESRCH {
			return err
		}
		return nil
	}
	m, err := c.cgroup()
	if err != nil {
		return err
	}
	return m.Kill(sig)
}

func (c *Container) ownsPidNS() bool {
	for _, ns := range c.state.Config.Linux.Namespaces {
		if ns.Type == specs.PIDNamespace {
			return ns.Path == ""
		}
	}
	return false
}

// waitStopped waits up to timeout for init to be gone.
func (c *Container) waitStopped(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for delay := 100 * time.Microsecond; ; delay *= 2 {
		if !c.state.alive() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(min(delay, 20*time.Millisecond))
	}
}
