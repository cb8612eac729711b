package runtime

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
)

// Pause freezes every process of a running container.
func (c *Container) Pause() error {
	return c.locked(func() error {
		if st := c.Status(); st != Running {
			return fmt.Errorf("cannot pause a container that is %s: %w", st, errdefs.ErrConflict)
		}
		m, err := c.cgroup()
		if err != nil {
			return err
		}
		return m.Freeze()
	})
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	return c.locked(func() error {
		if st := c.Status(); st != Paused {
			return fmt.Errorf("cannot resume a container that is %s: %w", st, errdefs.ErrConflict)
		}
		m, err := c.cgroup()
		if err != nil {
			return err
		}
		return m.Thaw()
	})
}

// Update changes the resource limits of a live container at once and
// remembers them, so state and later updates see the new values.
func (c *Container) Update(r *specs.LinuxResources) error {
	return c.locked(func() error {
		if st := c.Status(); st == Stopped {
			return fmt.Errorf("cannot update a container that is %s: %w", st, errdefs.ErrConflict)
		}
		m, err := c.cgroup()
		if err != nil {
			return err
		}
		if err := m.Set(r); err != nil {
			return err
		}
		mergeResources(c.state.Config.Linux, r)
		return c.save()
	})
}

// mergeResources records the fields of r that are set.
func mergeResources(l *specs.Linux, r *specs.LinuxResources) {
	if l.Resources == nil {
		l.Resources = &specs.LinuxResources{}
	}
	cur := l.Resources
	if r.Memory != nil {
		cur.Memory = r.Memory
	}
	if r.CPU != nil {
		cur.CPU = r.CPU
	}
	if r.Pids != nil {
		cur.Pids = r.Pids
	}
	if r.BlockIO != nil {
		cur.BlockIO = r.BlockIO
	}
	if r.HugepageLimits != nil {
		cur.HugepageLimits = r.HugepageLimits
	}
	if r.Network != nil {
		cur.Network = r.Network
	}
	if r.Unified != nil {
		cur.Unified = r.Unified
	}
}

// Processes returns the host pids of every process in the container.
func (c *Container) Processes() ([]int, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return m.Pids()
}

// Stats returns the container's resource usage from its cgroup.
func (c *Container) Stats() (*cgroups.Stats, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return m.Stats()
}

// OOMEvents watches the container's cgroup for the kernel's OOM killer;
// the caller closes the watch.
func (c *Container) OOMEvents() (*cgroups.OOMWatch, error) {
	m, err := c.cgroup()
	if err != nil {
		return nil, err
	}
	return m.OOMEvents()
}
