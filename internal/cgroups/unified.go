package cgroups

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// unifiedActions are v2 core files that act instead of limiting; hull drives
// them itself (Apply, Freeze, Kill), so a config may not write them.
var unifiedActions = []string{"cgroup.procs", "cgroup.threads", "cgroup.freeze", "cgroup.kill"}

// setUnified writes the spec's "unified" key/value pairs to the cgroup v2
// directory as given. On a hybrid host only keys whose controller the
// cgroup2 mount holds (and cgroup.* core files) can be written; the others
// belong to v1 there and must be set with their v1 fields.
func (m *manager) setUnified(u map[string]string) error {
	if len(u) == 0 {
		return nil
	}
	if m.v2 == nil {
		return fmt.Errorf("unified cgroup resources need cgroup v2, and this host mounts none: %w", errdefs.ErrUnavailable)
	}
	keys := make([]string, 0, len(u))
	for k := range u {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if key == "" || key[0] == '.' || strings.ContainsAny(key, "/\n") || !strings.Contains(key, ".") ||
			slices.Contains(unifiedActions, key) {
			return fmt.Errorf("unified cgroup resource %q is not a limit file hull can write: %w", key, errdefs.ErrInvalidArgument)
		}
		ctl, _, _ := strings.Cut(key, ".")
		if ctl != "cgroup" && m.host.mode() == Hybrid {
			if !m.v2.h.has(ctl) {
				return fmt.Errorf("unified cgroup resource %q: the %s controller is on cgroup v1 on this host, not in the cgroup2 mount (it holds %q): %w",
					key, ctl, strings.Join(m.v2.h.controllers, " "), errdefs.ErrUnavailable)
			}
			delegate(m.v2, []string{ctl})
		}
		if err := writeFile(m.v2.path, key, u[key]); err != nil {
			return err
		}
	}
	return nil
}
