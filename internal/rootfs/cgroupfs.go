package rootfs

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/moby/sys/mountinfo"
	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroupHost is what the host's cgroup setup means for the container's
// cgroup mount, read once per Prepare.
type cgroupHost struct {
	unified bool          // the host has cgroup v2 alone at /sys/fs/cgroup
	subs    []cgroupMount // v1 (hybrid) hosts: one per hierarchy
	own2    string        // unified hosts: the container's cgroup v2 path
}

// cgroupMount is one hierarchy below a v1 container's cgroup tmpfs.
type cgroupMount struct {
	name   string // directory: the host mountpoint's name ("cpu,cpuacct", "unified")
	fstype string // "cgroup" or "cgroup2"
	data   string // the hierarchy's controllers, for a fresh mount ("cpu,cpuacct", "name=systemd")
	host   string // the host directory of the container's own cgroup
}

// mountCgroup mounts the container's view of its cgroups on dest.
func (r *root) mountCgroup(m *specs.Mount, dest string, o *mountOptions) error {
	if r.cg == nil {
		cg, err := readCgroupHost(r.c.CgroupNS)
		if err != nil {
			return err
		}
		r.cg = cg
	}
	t, err := r.mountpoint(dest, false, false)
	if err != nil {
		return err
	}
	defer t.close()
	if err := checkDest(t.path, false, nil); err != nil {
		return err
	}
	if r.cg.unified {
		return r.mountCgroup2(m, t, o)
	}
	return r.mountCgroup1(t, o)
}

// mountCgroup2 mounts cgroup2. Without a cgroup namespace of its own, or in
// a user namespace that may not, the container gets a bind of its own
// cgroup directory instead, as runc does.
func (r *root) mountCgroup2(m *specs.Mount, t target, o *mountOptions) error {
	err := unix.Mount(m.Source, fdPath(t.fd), "cgroup2", o.flags, o.data)
	if err == nil {
		return r.afterMount(t, o)
	}
	if err != unix.EPERM && err != unix.EBUSY {
		return os.NewSyscallError("mount", err)
	}
	return r.bindOnto("/sys/fs/cgroup"+r.cg.own2, t, &mountOptions{flags: o.flags | unix.MS_BIND | unix.MS_REC,
		cleared: o.cleared, propagation: o.propagation, recursive: true})
}

// mountCgroup1 mounts a tmpfs with one directory per hierarchy, as runc does
// on v1 and hybrid hosts: a fresh cgroup mount of the hierarchy inside a
// cgroup namespace, else a bind of the container's own cgroup directory.
// Comounted hierarchies ("cpu,cpuacct") get a symlink per controller.
func (r *root) mountCgroup1(t target, o *mountOptions) error {
	base := o.flags&^(unix.MS_RDONLY|bindOnlyFlags) | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if err := unix.Mount("tmpfs", fdPath(t.fd), "tmpfs", base, "mode=755"); err != nil {
		return os.NewSyscallError("mount", err)
	}
	tmp, err := r.reopen(t, unix.TMPFS_MAGIC)
	if err != nil {
		return err
	}
	defer tmp.close()
	for _, cg := range r.cg.subs {
		if err := r.mountHierarchy(tmp, cg, o); err != nil {
			return fmt.Errorf("cgroup %s: %w", cg.name, err)
		}
	}
	for _, cg := range r.cg.subs {
		if !strings.Contains(cg.name, ",") {
			continue
		}
		for _, ctrl := range strings.Split(cg.name, ",") {
			if err := unix.Symlinkat(cg.name, tmp.fd, ctrl); err != nil && err != unix.EEXIST {
				return &os.PathError{Op: "symlink", Path: path.Join(t.path, ctrl), Err: err}
			}
		}
	}
	if o.flags&unix.MS_RDONLY != 0 {
		if err := remountBind(tmp.fd, fdPath(tmp.fd), base|unix.MS_RDONLY, 0); err != nil {
			return err
		}
	}
	return applyPropagation(tmp.fd, o)
}

// mountHierarchy mounts one hierarchy in the cgroup tmpfs. The tmpfs was
// mounted a moment ago and only we can see it, so a name in it cannot be a
// symlink: the directory is reached relative to the tmpfs's handle.
func (r *root) mountHierarchy(tmp target, cg cgroupMount, o *mountOptions) error {
	if err := unix.Mkdirat(tmp.fd, cg.name, 0o755); err != nil && err != unix.EEXIST {
		return os.NewSyscallError("mkdir", err)
	}
	flags := o.flags&^bindOnlyFlags | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC
	if r.c.CgroupNS {
		return os.NewSyscallError("mount", unix.Mount("cgroup", fdPath(tmp.fd)+"/"+cg.name, cg.fstype, flags, cg.data))
	}
	tree, err := cloneTree(cg.host, true)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", tmp.fd, cg.name, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return os.NewSyscallError("move_mount", err)
	}
	return remountBind(tree, fdPath(tree), flags|unix.MS_BIND, 0)
}

// readCgroupHost reads how the host mounts cgroups: statfs for v2 alone,
// else /proc/self/mountinfo and /proc/self/cgroup, each read once.
func readCgroupHost(cgroupNS bool) (*cgroupHost, error) {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		return nil, &os.PathError{Op: "statfs", Path: "/sys/fs/cgroup", Err: err}
	}
	self, err := readProcFile("/proc/self/cgroup")
	if err != nil {
		return nil, err
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		own, _ := ownCgroups(self)[""]
		return &cgroupHost{unified: true, own2: own.path}, nil
	}
	infos, err := readMountinfo(mountinfo.FSTypeFilter("cgroup", "cgroup2"))
	if err != nil {
		return nil, err
	}
	subs, err := planCgroupV1(infos, self, cgroupNS)
	if err != nil {
		return nil, err
	}
	return &cgroupHost{subs: subs}, nil
}

// ownCgroup is one line of /proc/self/cgroup.
type ownCgroup struct {
	ctrls string // "cpu,cpuacct", "name=systemd", "" for v2
	path  string
}

// ownCgroups maps each controller (and "" for v2) of /proc/self/cgroup to
// its line.
func ownCgroups(self []byte) map[string]ownCgroup {
	own := make(map[string]ownCgroup)
	for line := range bytes.SplitSeq(bytes.TrimSpace(self), []byte("\n")) {
		f := strings.SplitN(string(line), ":", 3)
		if len(f) != 3 {
			continue
		}
		cg := ownCgroup{ctrls: f[1], path: f[2]}
		if cg.ctrls == "" {
			own[""] = cg
			continue
		}
		for _, c := range strings.Split(cg.ctrls, ",") {
			own[c] = cg
		}
	}
	return own
}

// planCgroupV1 lists the hierarchies to mount for a v1 or hybrid host from
// its cgroup mounts (in mountinfo order) and /proc/self/cgroup. A hierarchy
// mounted twice on the host is mounted once; one that is not ours (absent
// from /proc/self/cgroup) is skipped.
func planCgroupV1(infos []*mountinfo.Info, self []byte, cgroupNS bool) ([]cgroupMount, error) {
	own := ownCgroups(self)
	done := make(map[string]bool)
	var plan []cgroupMount
	for _, mi := range infos {
		cg, ok := hierarchyOf(mi, own)
		if !ok || done[cg.ctrls] {
			continue
		}
		done[cg.ctrls] = true
		m := cgroupMount{name: path.Base(mi.Mountpoint), fstype: mi.FSType, data: cg.ctrls}
		if !cgroupNS {
			rel, ok := strings.CutPrefix(cg.path, strings.TrimSuffix(mi.Root, "/"))
			if !ok || (rel != "" && rel[0] != '/') {
				return nil, fmt.Errorf("cgroup %q is not below %q, the root of the host's %s mount",
					cg.path, mi.Root, mi.Mountpoint)
			}
			m.host = mi.Mountpoint + rel
		}
		plan = append(plan, m)
	}
	return plan, nil
}

// hierarchyOf finds the /proc/self/cgroup line of a cgroup mount.
func hierarchyOf(mi *mountinfo.Info, own map[string]ownCgroup) (ownCgroup, bool) {
	if mi.FSType == "cgroup2" {
		cg, ok := own[""]
		return cg, ok
	}
	for opt := range strings.SplitSeq(mi.VFSOptions, ",") {
		if cg, ok := own[opt]; ok && opt != "" {
			return cg, true
		}
	}
	return ownCgroup{}, false
}
