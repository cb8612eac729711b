package cgroups

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Manager controls one container's cgroup on every hierarchy of the host.
// The runtime drives it from its parent process, never from inside the
// container:
//
//	m, err := cgroups.New(spec.Linux.CgroupsPath, id) // nothing on disk yet
//	err = m.Create(spec.Linux.Resources)             // directories, then limits
//	err = m.Apply(initPid)                           // before the init runs user code
//	entry := m.Entry()                               // or: init enters by itself
//	state.CgroupPaths = m.Paths()                    // saved with the container
//
// Later commands, in other processes, pick it up again from the saved paths:
//
//	m, err := cgroups.Load(state.CgroupPaths)
//	err = m.Set(update)            // live update of the non-nil fields
//	err = m.Freeze(); err = m.Thaw() // pause / resume
//	stats, err := m.Stats()
//	err = m.Kill(unix.SIGKILL)     // every process, forks included
//	err = m.Destroy()              // once every process has exited
//
// A Manager holds nothing but the directory names, so its methods may be
// called from several goroutines; the kernel serialises the file writes.
type Manager interface {
	// Create makes the cgroup's directory on every hierarchy and applies r
	// (nil means no limits). A directory that exists already is joined, not
	// refused: containers may share a cgroup, as runc allows. On v1 an empty
	// cpuset is filled from its parent first, or no process could join it.
	// On failure the directories Create made are removed again.
	Create(r *specs.LinuxResources) error
	// Apply moves the process pid (all its threads) into the cgroup on every
	// hierarchy. Each call waits out an RCU grace period (see Entry): a
	// process that is still being started should rather enter by Entry.
	Apply(pid int) error
	// Entry tells a starting process how to enter the cgroup by itself.
	Entry() Entry
	// ApplyUnified moves pid into the v2 directory only: for a process that
	// entered the v1 hierarchies through Entry but was not born in the v2
	// directory. It does nothing on a legacy host.
	ApplyUnified(pid int) error
	// Set updates the limits of a live cgroup: only the non-nil fields of r
	// are written, in an order the kernel accepts whether they rise or fall.
	Set(r *specs.LinuxResources) error
	// Freeze stops every process of the cgroup and returns once the kernel
	// reports them frozen; Thaw lets them run again; Frozen tells which.
	Freeze() error
	Thaw() error
	Frozen() (bool, error)
	// Pids lists every process in the cgroup and its sub-cgroups.
	Pids() ([]int, error)
	// Stats reads the cgroup's usage counters.
	Stats() (*Stats, error)
	// Kill sends sig to every process of the cgroup. It freezes the cgroup
	// around the signalling so that no process can fork a child that escapes
	// it, and leaves a paused container paused (except for SIGKILL, which
	// only takes effect once the processes thaw).
	Kill(sig unix.Signal) error
	// Destroy removes the directories, sub-cgroups first. It retries briefly
	// while exiting processes keep a directory busy; directories that are
	// gone already are not an error. Parent directories are left alone: other
	// containers may live in them.
	Destroy() error
	// OOMEvents watches the cgroup for OOM kills; see OOMWatch.
	OOMEvents() (*OOMWatch, error)
	// Paths returns the directory per v1 controller ("memory" ->
	// /sys/fs/cgroup/memory/<path>, "name=systemd" for systemd's named
	// hierarchy) and under the key "" the cgroup v2 directory. Load takes it.
	Paths() map[string]string
	// Version is 2 on a unified (v2-only) host and 1 otherwise.
	Version() int
	// Dirs lists the container's directory in each hierarchy, with where
	// the host mounts that hierarchy: what a container's own cgroup mount
	// shows.
	Dirs() []Dir
}

// Dir is the container's directory in one hierarchy.
type Dir struct {
	Path       string // the container's directory
	Mountpoint string // where the host mounts the hierarchy
	// Controllers are a v1 hierarchy's subsystems (["cpu" "cpuacct"],
	// ["name=systemd"]); nil for v2.
	Controllers []string
	V2          bool
}

// cgroupDir is the container's directory in one hierarchy.
type cgroupDir struct {
	path string
	h    *hierarchy
}

// manager implements Manager for both cgroup versions. On a hybrid host it
// holds the v1 directories and a v2 one: controllers bound to v2 there (here:
// hugetlb) are written with the v2 interface files.
type manager struct {
	host *host
	dirs []*cgroupDir          // one per hierarchy, v1 first
	v1   map[string]*cgroupDir // v1 controller name -> directory
	v2   *cgroupDir            // nil on a legacy host
}

// New returns the manager for a container's cgroup; it creates nothing.
//
// cgroupsPath is the OCI linux.cgroupsPath. An absolute path is taken from
// the root of each hierarchy; a relative one from the calling process's own
// cgroup in that hierarchy (".." cannot climb above it). An empty path means
// "/<id>", the default runc uses on cgroup v2 (runc's v1 driver puts it under
// its own cgroup instead; hull uses one rule for both versions). systemd
// "slice:prefix:name" paths are refused with errdefs.ErrInvalidArgument:
// hull has no systemd driver.
//
// On a v2 host a relative path whose parent cgroup holds processes (the
// caller's own, typically) cannot get controllers delegated to it: the
// kernel's "no internal processes" rule. Prefer absolute paths there.
func New(cgroupsPath, id string) (Manager, error) {
	h, err := currentHost()
	if err != nil {
		return nil, err
	}
	return newManager(h, cgroupsPath, id)
}

func newManager(h *host, cgroupsPath, id string) (*manager, error) {
	inner, err := innerPath(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	var self map[string]string
	if !filepath.IsAbs(inner) {
		if self, err = h.selfCgroups(); err != nil {
			return nil, fmt.Errorf("finding the caller's own cgroup: %w", err)
		}
	}
	m := &manager{host: h, v1: make(map[string]*cgroupDir)}
	if h.mode() != Unified {
		for _, hier := range h.v1 {
			dir, err := resolve(hier, inner, self, hier.controllers[0])
			if err != nil {
				return nil, err
			}
			m.add(&cgroupDir{path: dir, h: hier})
		}
	}
	if h.v2 != nil {
		dir, err := resolve(h.v2, inner, self, "")
		if err != nil {
			return nil, err
		}
		m.add(&cgroupDir{path: dir, h: h.v2})
	}
	return m, nil
}

func (m *manager) add(d *cgroupDir) {
	m.dirs = append(m.dirs, d)
	if d.h.v2 {
		m.v2 = d
		return
	}
	for _, c := range d.h.controllers {
		m.v1[c] = d
	}
}

// innerPath validates cgroupsPath and returns it cleaned: absolute, or
// relative without "..", never naming a hierarchy root or the caller's own
// cgroup (Destroy would remove what is not the container's).
func innerPath(cgroupsPath, id string) (string, error) {
	if cgroupsPath == "" {
		if id == "" || strings.Contains(id, "/") || id == "." || id == ".." {
			return "", fmt.Errorf("container id %q cannot name a cgroup: %w", id, errdefs.ErrInvalidArgument)
		}
		return "/" + id, nil
	}
	if !filepath.IsAbs(cgroupsPath) && strings.Count(cgroupsPath, ":") == 2 {
		return "", fmt.Errorf("cgroupsPath %q is in systemd's slice:prefix:name form, but hull has no systemd cgroup driver: %w",
			cgroupsPath, errdefs.ErrInvalidArgument)
	}
	p := filepath.Clean("/" + cgroupsPath) // lexically, so ".." stops at the start
	if p == "/" {
		return "", fmt.Errorf("cgroupsPath %q names no cgroup of its own: %w", cgroupsPath, errdefs.ErrInvalidArgument)
	}
	if !filepath.IsAbs(cgroupsPath) {
		p = p[1:]
	}
	return p, nil
}

// resolve turns the inner path into the directory in hierarchy h. key is
// the controller whose /proc/self/cgroup entry locates a relative path.
func resolve(h *hierarchy, inner string, self map[string]string, key string) (string, error) {
	if filepath.IsAbs(inner) {
		return filepath.Join(h.mountpoint, inner), nil
	}
	own, ok := self[key]
	if !ok {
		return "", fmt.Errorf("the caller is in no cgroup of the %s hierarchy: %w", hierarchyName(h), errdefs.ErrUnavailable)
	}
	rel, ok := strings.CutPrefix(own, strings.TrimSuffix(h.root, "/"))
	if !ok || (rel != "" && rel[0] != '/') {
		return "", fmt.Errorf("the caller's cgroup %s is outside the %s mount at %s: %w",
			own, hierarchyName(h), h.mountpoint, errdefs.ErrUnavailable)
	}
	return filepath.Join(h.mountpoint, rel, inner), nil
}

func hierarchyName(h *hierarchy) string {
	if h.v2 {
		return "cgroup v2"
	}
	return strings.Join(h.controllers, ",")
}

// Load returns the manager for cgroups made earlier, from the Paths() saved
// in the container's state. Every path must lie on a cgroup file system
// under a hierarchy this host mounts; keys for hierarchies the host no
// longer mounts are ignored.
func Load(paths map[string]string) (Manager, error) {
	h, err := currentHost()
	if err != nil {
		return nil, err
	}
	m, err := load(h, paths)
	if err != nil {
		return nil, err
	}
	for _, d := range m.dirs {
		if !isCgroupFS(d.path) {
			return nil, fmt.Errorf("cgroup path %s is not on a cgroup file system: %w", d.path, errdefs.ErrInvalidArgument)
		}
	}
	return m, nil
}

func load(h *host, paths map[string]string) (*manager, error) {
	m := &manager{host: h, v1: make(map[string]*cgroupDir)}
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	slices.Sort(keys) // "" first, then a stable order of the v1 hierarchies
	for _, key := range keys {
		hier := h.hierarchyFor(key)
		if hier == nil || m.has(hier) {
			continue
		}
		p := paths[key]
		rel, err := filepath.Rel(hier.mountpoint, p)
		if err != nil || !filepath.IsAbs(p) || filepath.Clean(p) != p || rel == "." || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("cgroup path %q for %q is not a cgroup below %s: %w", p, key, hier.mountpoint, errdefs.ErrInvalidArgument)
		}
		m.add(&cgroupDir{path: p, h: hier})
	}
	if len(m.dirs) == 0 {
		return nil, fmt.Errorf("no cgroup path of %v is on a hierarchy this host mounts: %w", paths, errdefs.ErrInvalidArgument)
	}
	// Keep the v1-first order newManager uses.
	slices.SortStableFunc(m.dirs, func(a, b *cgroupDir) int {
		switch {
		case a.h.v2 == b.h.v2:
			return 0
		case b.h.v2:
			return -1
		}
		return 1
	})
	return m, nil
}

// hierarchyFor returns the hierarchy a Paths key names, nil if none.
func (h *host) hierarchyFor(key string) *hierarchy {
	if key == "" {
		return h.v2
	}
	if h.mode() == Unified {
		return nil
	}
	for _, hier := range h.v1 {
		if hier.has(key) {
			return hier
		}
	}
	return nil
}

func (m *manager) has(h *hierarchy) bool {
	return slices.ContainsFunc(m.dirs, func(d *cgroupDir) bool { return d.h == h })
}

func (m *manager) Paths() map[string]string {
	p := make(map[string]string, len(m.v1)+1)
	for c, d := range m.v1 {
		p[c] = d.path
	}
	if m.v2 != nil {
		p[""] = m.v2.path
	}
	return p
}

func (m *manager) Dirs() []Dir {
	dirs := make([]Dir, 0, len(m.dirs))
	for _, d := range m.dirs {
		dir := Dir{Path: d.path, Mountpoint: d.h.mountpoint, V2: d.h.v2}
		if !d.h.v2 {
			dir.Controllers = d.h.controllers
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

func (m *manager) Version() int {
	if m.host.mode() == Unified {
		return 2
	}
	return 1
}
