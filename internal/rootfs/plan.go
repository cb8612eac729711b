package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/initplan"
)

// ErrNotPlanned says a config needs something the C init does not do; the
// runtime then starts the container with the Go init instead.
var ErrNotPlanned = errors.New("not for the C init")

// Plannable reports whether the C init can build c's filesystem: not with
// --no-pivot or a console path, which only the Go init handles.
func (c *Config) Plannable() bool {
	return c.validate() == nil && !c.NoPivot && c.Console == ""
}

// PlanPrepare appends to p the operations that do what Prepare does, in the
// same order, for the C init (see package initplan). cgroupDirs are the
// container's cgroup directories, which a cgroup mount shows. Errors in
// the spec are reported as Prepare would report them.
func PlanPrepare(c *Config, p *initplan.Plan, cgroupDirs []cgroups.Dir) error {
	if !c.Plannable() {
		return ErrNotPlanned
	}
	prop, err := c.rootPropagation()
	if err != nil {
		return err
	}
	p.Add(initplan.PrepareRoot, c.Rootfs, prop)
	for i := range c.Spec.Mounts {
		m := &c.Spec.Mounts[i]
		if err := c.planMount(p, m, cgroupDirs); err != nil {
			name := m.Source
			if name == "" {
				name = m.Type
			}
			return fmt.Errorf("mounting %q on %q: %w", name, m.Destination, err)
		}
	}
	if err := c.planDev(p); err != nil {
		return fmt.Errorf("setting up /dev: %w", err)
	}
	if pr := c.Spec.Process; pr != nil && pr.Cwd != "" && pr.Cwd != "/" {
		p.Add(initplan.CreateCwd, path.Clean(pr.Cwd))
	}
	return nil
}

func (c *Config) planMount(p *initplan.Plan, m *specs.Mount, cgroupDirs []cgroups.Dir) error {
	o, err := parseMount(m)
	if err != nil {
		return err
	}
	ctx := fmt.Sprintf("mounting %q on %q", m.Source, m.Destination)
	if m.Source == "" {
		ctx = fmt.Sprintf("mounting %q on %q", m.Type, m.Destination)
	}
	dest := cleanDest(m.Destination)
	props := initplan.List(o.propagation)
	set, clr := o.recAttr.Attr_set, o.recAttr.Attr_clr
	switch {
	case o.bind:
		p.Add(initplan.MountBind, ctx, m.Source, dest, o.recursive, o.flags, o.cleared, props, set, clr)
	case m.Type == "cgroup":
		return c.planCgroup(p, ctx, m, dest, &o, cgroupDirs)
	default:
		special := m.Type == "proc" || m.Type == "sysfs"
		var fallback uintptr // sysfs a user namespace may not mount: bind the host's
		if m.Type == "sysfs" && (c.UserNS || !c.newNetNS()) {
			fallback = o.flags | unix.MS_BIND | unix.MS_REC
		}
		p.Add(initplan.MountNew, ctx, m.Source, dest, m.Type, o.flags, o.cleared, o.data,
			special, m.Type == "proc", m.Type == "tmpfs", fallback, props, set, clr)
	}
	return nil
}

// planCgroup plans a cgroup mount as mountCgroup does, from the
// container's cgroup directories instead of the init's /proc/self/cgroup.
func (c *Config) planCgroup(p *initplan.Plan, ctx string, m *specs.Mount, dest string, o *mountOptions, dirs []cgroups.Dir) error {
	var st unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &st); err != nil {
		return &os.PathError{Op: "statfs", Path: "/sys/fs/cgroup", Err: err}
	}
	props := initplan.List(o.propagation)
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		i := slices.IndexFunc(dirs, func(d cgroups.Dir) bool { return d.V2 })
		if i < 0 {
			return ErrNotPlanned
		}
		p.Add(initplan.MountCgroup2, ctx, m.Source, dest, o.flags, o.cleared, o.data, props,
			o.recAttr.Attr_set, o.recAttr.Attr_clr, dirs[i].Path)
		return nil
	}
	fields := []string{}
	done := map[string]bool{}
	for _, d := range dirs {
		data := strings.Join(d.Controllers, ",")
		if done[data] {
			continue
		}
		done[data] = true
		fstype := "cgroup"
		if d.V2 {
			fstype = "cgroup2"
		}
		fields = append(fields, path.Base(d.Mountpoint), fstype, data, d.Path)
	}
	p.Add(initplan.MountCgroup1, ctx, dest, o.flags, props, o.recAttr.Attr_set, o.recAttr.Attr_clr,
		c.CgroupNS, fields)
	return nil
}

// planDev plans what setupDev does.
func (c *Config) planDev(p *initplan.Plan) error {
	if !c.needsDev() {
		return nil
	}
	p.Add(initplan.Dev)
	for _, d := range c.devices() {
		if err := planDevice(p, &d); err != nil {
			return err
		}
	}
	for _, l := range devLinks() {
		p.Add(initplan.DevSymlink, l[1], l[0])
	}
	p.Add(initplan.DevPtmx)
	return nil
}

func planDevice(p *initplan.Plan, d *specs.LinuxDevice) error {
	mode, _, err := deviceMode(d)
	if err != nil {
		return err
	}
	dp := cleanDest(d.Path)
	if dp == "/" {
		return fmt.Errorf("device path %q: %w", d.Path, errdefs.ErrInvalidArgument)
	}
	uid, gid := deviceOwner(d)
	p.Add(initplan.Device, dp, mode, d.Major, d.Minor, uid, gid)
	return nil
}

// PlanPivot appends what Pivot does, for the C init.
func PlanPivot(c *Config, p *initplan.Plan) error {
	if !c.Plannable() {
		return ErrNotPlanned
	}
	prop, err := c.rootPropagation()
	if err != nil {
		return err
	}
	p.Add(initplan.Pivot, c.Rootfs, prop)
	return nil
}

// PlanFinalize appends what SetHostname, WriteSysctls and Finalize do, in
// that order, inside the new root, for the C init.
func PlanFinalize(c *Config, p *initplan.Plan) error {
	if !c.Plannable() {
		return ErrNotPlanned
	}
	if c.Spec.Hostname != "" || c.Spec.Domainname != "" {
		p.Add(initplan.Hostname, c.Spec.Hostname, c.Spec.Domainname)
	}
	sysctl := c.linux().Sysctl
	names, err := sysctlNames(sysctl)
	if err != nil {
		return err
	}
	for _, name := range names {
		rel, _ := sysctlPath(name)
		p.Add(initplan.Sysctl, name, rel, sysctl[name])
	}
	for _, ro := range c.linux().ReadonlyPaths {
		p.Add(initplan.Readonly, ro)
	}
	for _, m := range c.linux().MaskedPaths {
		p.Add(initplan.Mask, m)
	}
	for _, t := range c.readonlyTmpfs() {
		p.Add(initplan.RemountRO, t.dest, t.flags)
	}
	if c.Spec.Root != nil && c.Spec.Root.Readonly {
		p.Add(initplan.ReadonlyRoot)
	}
	return nil
}
