package runtime

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Delete removes a stopped or created container: its processes, cgroup
// and state, then runs the poststop hooks. A running or paused container
// is refused unless force, which kills it first.
func (c *Container) Delete(force bool) error {
	return c.locked(func() error { return c.delete(force) })
}

func (c *Container) delete(force bool) error {
	st := c.Status()
	switch {
	case st == Running && !force, st == Paused && !force:
		return fmt.Errorf("cannot delete container %q that is %s (stop it first or force): %w",
			c.ID(), st, errdefs.ErrConflict)
	case st != Stopped:
		if err := c.killAll(unix.SIGKILL); err != nil {
			return err
		}
		if st == Paused {
			if m, err := c.cgroup(); err == nil {
				m.Thaw()
			}
		}
		if !c.waitStopped(10 * time.Second) {
			return fmt.Errorf("container %q did not die after SIGKILL", c.ID())
		}
	}
	return c.destroy()
}

// destroy removes what the container left: processes that outlived init
// (when it shared a pid namespace), the cgroup, and the state directory.
// Poststop hook failures are warnings.
func (c *Container) destroy() error {
	if m, err := c.cgroup(); err == nil {
		if pids, err := m.Pids(); err == nil && len(pids) > 0 {
			m.Kill(unix.SIGKILL)
		}
		if err := m.Destroy(); err != nil {
			return fmt.Errorf("removing cgroup of %q: %w", c.ID(), err)
		}
	}
	if h := c.state.Config.Hooks; h != nil && len(h.Poststop) > 0 {
		st := c.OCIState()
		st.Status = Stopped
		runHooksWarn("poststop", h.Poststop, st, c.rt.warn)
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("removing state of %q: %w", c.ID(), err)
	}
	return nil
}
