package cgroups

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/hullrt/hull/internal/errdefs"
)

// Mode says how a host mounts its cgroups.
type Mode int

const (
	// Legacy: cgroup v1 controllers only.
	Legacy Mode = iota + 1
	// Hybrid: cgroup v1 controllers plus a cgroup2 mount (usually
	// /sys/fs/cgroup/unified) that may hold a few controllers of its own.
	Hybrid
	// Unified: cgroup v2 only, mounted at one place (usually /sys/fs/cgroup).
	Unified
)

func (m Mode) String() string {
	switch m {
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// v1Controllers are the cgroup v1 hierarchies a container joins. A named
// hierarchy other than systemd's is left alone, as runc does.
var v1Controllers = []string{
	"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer", "hugetlb",
	"memory", "misc", "net_cls", "net_prio", "perf_event", "pids", "rdma",
	"name=systemd",
}

// hierarchy is one mounted cgroup hierarchy.
type hierarchy struct {
	mountpoint string
	// root is the cgroup the mount shows at mountpoint ("/" unless a
	// sub-cgroup was bind-mounted); /proc/self/cgroup paths are relative to
	// the hierarchy, so root is cut from them to find the directory.
	root string
	// controllers: for v1 the subsystems bound to it (["cpu" "cpuacct"],
	// ["name=systemd"]); for v2 those listed in the mount's cgroup.controllers.
	controllers []string
	v2          bool
}

func (h *hierarchy) has(controller string) bool {
	return slices.Contains(h.controllers, controller)
}

// host is the set of cgroup hierarchies this process sees.
type host struct {
	v1 []*hierarchy
	v2 *hierarchy
	// selfCgroups returns the calling process's cgroup per controller, ""
	// for v2. A field so that tests can fake it.
	selfCgroups func() (map[string]string, error)
}

// mode classifies the host. A v2 host that also mounts a named v1 hierarchy
// for old systemd-based images is still unified: no controller is on v1.
func (h *host) mode() Mode {
	switch {
	case !hasV1Controllers(h):
		return Unified
	case h.v2 != nil:
		return Hybrid
	}
	return Legacy
}

var (
	hostOnce   sync.Once
	cachedHost *host
	hostErr    error
)

// currentHost discovers the host's hierarchies once per process: cgroup
// mounts do not change under a running runtime, and parsing mountinfo on a
// busy node costs more than everything else a container start does here.
func currentHost() (*host, error) {
	hostOnce.Do(func() { cachedHost, hostErr = discoverHost() })
	return cachedHost, hostErr
}

func discoverHost() (*host, error) {
	mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, fmt.Errorf("reading cgroup mounts: %w", err)
	}
	h := &host{selfCgroups: readSelfCgroups}
	for _, m := range mounts {
		if m.FSType == "cgroup2" {
			if h.v2 == nil || (h.v2.root != "/" && m.Root == "/") {
				h.v2 = &hierarchy{mountpoint: m.Mountpoint, root: m.Root, v2: true}
			}
			continue
		}
		addV1(h, m)
	}
	if h.v2 != nil {
		// Errors leave the list empty: then no controller is delegated to v2.
		s, _ := readTrimmed(h.v2.mountpoint, "cgroup.controllers")
		h.v2.controllers = strings.Fields(s)
	}
	if h.v2 == nil && !hasV1Controllers(h) {
		return nil, fmt.Errorf("no cgroup file system is mounted: %w", errdefs.ErrUnavailable)
	}
	return h, nil
}

// addV1 records a v1 mount unless it only repeats a hierarchy already seen
// (bind mounts of the same hierarchy show up more than once).
func addV1(h *host, m *mountinfo.Info) {
	var ctls []string
	for opt := range strings.SplitSeq(m.VFSOptions, ",") {
		if slices.Contains(v1Controllers, opt) {
			ctls = append(ctls, opt)
		}
	}
	if len(ctls) == 0 {
		return
	}
	for i, seen := range h.v1 {
		if slices.Equal(seen.controllers, ctls) {
			if seen.root != "/" && m.Root == "/" {
				h.v1[i] = &hierarchy{mountpoint: m.Mountpoint, root: m.Root, controllers: ctls}
			}
			return
		}
	}
	h.v1 = append(h.v1, &hierarchy{mountpoint: m.Mountpoint, root: m.Root, controllers: ctls})
}

func hasV1Controllers(h *host) bool {
	for _, x := range h.v1 {
		if !(len(x.controllers) == 1 && x.controllers[0] == "name=systemd") {
			return true
		}
	}
	return false
}

// readSelfCgroups parses /proc/self/cgroup. It is read on every call, not
// cached: the caller may move itself between cgroups.
func readSelfCgroups() (map[string]string, error) {
	s, err := readFile("/proc/self", "cgroup")
	if err != nil {
		return nil, err
	}
	return parseCgroupFile(s), nil
}

// parseCgroupFile parses the "id:controllers:path" lines of /proc/PID/cgroup
// into controller -> path, with "" for the v2 line.
func parseCgroupFile(s string) map[string]string {
	m := make(map[string]string)
	for line := range strings.SplitSeq(s, "\n") {
		_, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		ctls, path, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		if ctls == "" {
			m[""] = path
			continue
		}
		for c := range strings.SplitSeq(ctls, ",") {
			m[c] = path
		}
	}
	return m
}

// HostMode reports how this host mounts its cgroups.
func HostMode() (Mode, error) {
	h, err := currentHost()
	if err != nil {
		return 0, err
	}
	return h.mode(), nil
}

// Features describes what this package supports, for the runtime's
// `features` command. As the OCI features document asks, it says what is
// built in, not what this host has: both cgroup versions and rdma, no
// systemd driver.
func Features() features.Cgroup {
	yes, no := true, false
	return features.Cgroup{V1: &yes, V2: &yes, Systemd: &no, SystemdUser: &no, Rdma: &yes}
}
