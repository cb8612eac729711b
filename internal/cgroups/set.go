package cgroups

import (
	"errors"
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func (m *manager) Set(r *specs.LinuxResources) error {
	return m.set(r, true, nil)
}

// set writes the limits of r. During Create (update false) a value that
// only restores the kernel's default for a new cgroup (burst 0,
// disableOOMKiller false) is not written: a container start stays a handful
// of writes. made holds the directories Create has just made: empty, with
// no process and no sub-cgroup yet.
func (m *manager) set(r *specs.LinuxResources, update bool, made map[string]bool) error {
	if r == nil {
		return nil
	}
	steps := []func() error{
		func() error { return m.setMemory(r.Memory, update) },
		func() error { return m.setCPU(r.CPU, update) },
		func() error { return m.setCpuset(r.CPU) },
		func() error { return m.setPids(r.Pids) },
		func() error { return m.setBlockIO(r.BlockIO) },
		func() error { return m.setHugetlb(r.HugepageLimits) },
		func() error { return m.setNetwork(r.Network) },
		func() error { return m.setRdma(r.Rdma) },
		func() error { return m.setDevices(r.Devices, made) },
		func() error { return m.setUnified(r.Unified) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// controllerDir returns the directory holding a controller's files: its v1
// hierarchy (named v1), or else the v2 cgroup when the v2 mount has the
// controller (named v2 there; every controller on a unified host, the few
// not bound to v1 on a hybrid one). On a hybrid host it delegates the
// controller down to the cgroup first, since Create did not.
func (m *manager) controllerDir(v1, v2 string) (*cgroupDir, error) {
	if d, ok := m.v1[v1]; ok {
		return d, nil
	}
	if m.v2 != nil && m.v2.h.has(v2) {
		if m.host.mode() == Hybrid {
			delegate(m.v2, []string{v2})
		}
		return m.v2, nil
	}
	return nil, fmt.Errorf("the %s cgroup controller is not available on this host: %w", v1, errdefs.ErrUnavailable)
}

// writeOrdered writes values the kernel checks against each other (CFS
// period, quota and burst; realtime period and runtime). When the first
// order is refused with EINVAL it tries the reverse once: one order works
// when the values rise, the other when they fall.
func writeOrdered(dir string, writes []fileValue) error {
	err := writeFiles(dir, writes)
	if err == nil || len(writes) < 2 || !errors.Is(err, unix.EINVAL) {
		return err
	}
	rev := make([]fileValue, len(writes))
	for i, w := range writes {
		rev[len(writes)-1-i] = w
	}
	if writeFiles(dir, rev) == nil {
		return nil
	}
	return err
}

// unsupported is the error for a limit the cgroup version cannot express.
func unsupported(what string, version int) error {
	return fmt.Errorf("%s is not supported on cgroup v%d: %w", what, version, errdefs.ErrUnavailable)
}

// setValue reports whether an OCI number is set. As in runc, zero means
// "not set" for limits, shares, quotas and periods: callers that convert
// from their own types leave zeros there.
func setValue[T int64 | uint64 | uint16](p *T) bool { return p != nil && *p != 0 }

func isTrue(p *bool) bool { return p != nil && *p }
