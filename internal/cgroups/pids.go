package cgroups

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setPids writes pids.max (same file in both versions). A limit of 0 or
// below means no limit, as the runtime spec says.
func (m *manager) setPids(p *specs.LinuxPids) error {
	if p == nil || p.Limit == nil {
		return nil
	}
	d, err := m.controllerDir("pids", "pids")
	if err != nil {
		return err
	}
	limit := *p.Limit
	if limit <= 0 {
		return writeFile(d.path, "pids.max", "max")
	}
	return writeFile(d.path, "pids.max", formatLimit(limit, true))
}
