package spec

import (
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// DefaultShmSize is the size of /dev/shm when --shm-size is not given
// (Docker's 64 MiB).
const DefaultShmSize = 64 << 20

// mounts lays out the root and the mount list: Docker's defaults, less
// those a user mount replaces, then the user's mounts parents first.
func (g *generator) mounts() error {
	o := g.opts
	g.spec.Root.Path = o.RootfsPath
	if g.spec.Root.Path == "" {
		g.spec.Root.Path = "rootfs"
	}
	g.spec.Root.Readonly = o.ReadOnly
	user, err := g.userMounts()
	if err != nil {
		return err
	}
	defaults, err := g.defaultMounts(user)
	if err != nil {
		return err
	}
	// Parents before children, so that a mount is not hidden by one on a
	// directory above it.
	sort.SliceStable(user, func(i, j int) bool { return depth(user[i].Destination) < depth(user[j].Destination) })
	g.spec.Mounts = append(defaults, user...)
	g.spec.Linux.RootfsPropagation = rootPropagation(user)
	return nil
}

func depth(p string) int { return strings.Count(path.Clean(p), "/") }

// userMounts gathers the resolved mounts, the tmpfs mounts and the init's
// bind, and refuses two on one path.
func (g *generator) userMounts() ([]specs.Mount, error) {
	o := g.opts
	user := slices.Clone(o.Mounts)
	for _, t := range o.Tmpfs {
		if t.Type != "tmpfs" {
			return nil, invalid("mount on %s is a %s, not a tmpfs", t.Target, t.Type)
		}
		if err := validateTarget(t.Target); err != nil {
			return nil, invalid("%v", err)
		}
		m, err := t.Mount("")
		if err != nil {
			return nil, err
		}
		user = append(user, m)
	}
	if o.Init != "" {
		user = append(user, specs.Mount{Destination: "/dev/init", Type: "bind", Source: o.Init, Options: []string{"bind", "ro"}})
	}
	seen := map[string]bool{}
	for i := range user {
		dest := user[i].Destination
		if !path.IsAbs(dest) {
			return nil, invalid("invalid mount path: '%s' mount path must be absolute", dest)
		}
		user[i].Destination = path.Clean(dest)
		if seen[user[i].Destination] {
			return nil, invalid("Duplicate mount point: %s", user[i].Destination)
		}
		seen[user[i].Destination] = true
	}
	return user, nil
}

// defaultMounts adapts Docker's default mounts to the options and drops
// those a user mount replaces: one on the same path, and everything under
// /dev when the user mounts /dev itself.
func (g *generator) defaultMounts(user []specs.Mount) ([]specs.Mount, error) {
	replaced := map[string]bool{}
	for _, m := range user {
		replaced[m.Destination] = true
	}
	var out []specs.Mount
	for _, m := range g.spec.Mounts {
		if replaced[m.Destination] || replaced["/dev"] && strings.HasPrefix(m.Destination, "/dev/") {
			continue
		}
		switch m.Destination {
		case "/sys":
			if g.opts.Privileged {
				m.Options = withoutOption(m.Options, "ro")
			}
		case "/sys/fs/cgroup":
			if g.opts.Privileged || g.sec.WritableCgroups {
				m.Options = withoutOption(m.Options, "ro")
			}
		case "/dev/shm":
			shm, keep, err := g.shmMount(m)
			if err != nil {
				return nil, err
			}
			if !keep {
				continue
			}
			m = shm
		}
		out = append(out, m)
	}
	return out, nil
}

// shmMount is /dev/shm for the IPC mode: the container's own tmpfs of
// ShmSize, the host's /dev/shm, the one of the container whose IPC
// namespace it joins, or none with --ipc none.
func (g *generator) shmMount(m specs.Mount) (specs.Mount, bool, error) {
	size := g.opts.ShmSize
	switch {
	case size < 0:
		return m, false, invalid("SHM size can not be less than 0")
	case size == 0:
		size = DefaultShmSize
	}
	switch {
	case g.opts.IpcMode == "none":
		return m, false, nil
	case g.opts.ShmSource != "":
		return shmBind(g.opts.ShmSource), true, nil
	case g.ipc.host:
		return shmBind("/dev/shm"), true, nil
	case g.ipc.pid != "":
		return shmBind(path.Join(g.ipc.pid, "root/dev/shm")), true, nil
	}
	m.Options = append(slices.Clone(m.Options), "size="+strconv.FormatInt(size, 10))
	return m, true, nil
}

func shmBind(source string) specs.Mount {
	return specs.Mount{Destination: "/dev/shm", Type: "bind", Source: source, Options: []string{"rbind", "rprivate"}}
}

func withoutOption(opts []string, o string) []string {
	return slices.DeleteFunc(slices.Clone(opts), func(x string) bool { return x == o })
}

// rootPropagation is what the root's propagation must be for the
// propagation of the binds to work, as Docker sets it: shared if a bind is
// shared, rslave if one is a slave, else left to the runtime's default.
// (The bind's source must itself be a shared or slave mount on the host;
// that is the engine's to arrange, as Docker's daemon does.)
func rootPropagation(mounts []specs.Mount) string {
	prop := ""
	for _, m := range mounts {
		if m.Type != "bind" && !slices.Contains(m.Options, "bind") && !slices.Contains(m.Options, "rbind") {
			continue
		}
		for _, o := range m.Options {
			switch o {
			case "shared", "rshared":
				return "shared"
			case "slave", "rslave":
				prop = "rslave"
			}
		}
	}
	return prop
}
