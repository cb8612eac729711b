package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// setNetwork writes the v1-only net_cls class id and net_prio priorities.
// cgroup v2 has neither (eBPF programs classify traffic there), so on hosts
// without these hierarchies asking for them is an ErrUnavailable error.
func (m *manager) setNetwork(n *specs.LinuxNetwork) error {
	if n == nil {
		return nil
	}
	if n.ClassID != nil {
		d, err := m.v1Only("net_cls")
		if err != nil {
			return err
		}
		if err := writeFile(d.path, "net_cls.classid", strconv.FormatUint(uint64(*n.ClassID), 10)); err != nil {
			return err
		}
	}
	if len(n.Priorities) == 0 {
		return nil
	}
	d, err := m.v1Only("net_prio")
	if err != nil {
		return err
	}
	for _, p := range n.Priorities {
		if p.Name == "" || strings.ContainsAny(p.Name, " \n/") {
			return fmt.Errorf("network interface name %q: %w", p.Name, errdefs.ErrInvalidArgument)
		}
		if err := writeFile(d.path, "net_prio.ifpriomap", p.Name+" "+strconv.FormatUint(uint64(p.Priority), 10)); err != nil {
			return err
		}
	}
	return nil
}

func (m *manager) v1Only(ctl string) (*cgroupDir, error) {
	if d, ok := m.v1[ctl]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("the %s cgroup controller is not mounted on this host (cgroup v1 only): %w", ctl, errdefs.ErrUnavailable)
}
