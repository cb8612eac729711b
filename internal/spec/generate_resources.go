package spec

import (
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Docker's bounds on the resource options.
const (
	minMemory   = 6 << 20 // the smallest memory limit or reservation
	minShares   = 2       // cpu.shares bounds on cgroup v1
	maxShares   = 262144
	cpuPeriod   = 100000 // --cpus is a quota over this period (µs)
	minNanoCPUs = 1e7    // 0.01 CPU: a quota below 1 ms is refused by the kernel
)

// resources sets the cgroup path and the limits of --memory, --cpus and
// friends, with Docker's checks and Docker's defaults.
func (g *generator) resources() error {
	o := g.opts
	parent := o.CgroupParent
	if parent == "" {
		parent = "/hull"
	}
	g.spec.Linux.CgroupsPath = path.Join(parent, o.ID)
	r := g.spec.Linux.Resources
	if err := g.memory(r); err != nil {
		return err
	}
	if err := g.cpu(r); err != nil {
		return err
	}
	if o.PidsLimit != 0 {
		limit := max(o.PidsLimit, -1)
		r.Pids = &specs.LinuxPids{Limit: &limit}
	}
	switch w := o.BlkioWeight; {
	case w == 0:
	case w < 10 || w > 1000:
		return invalid("Range of blkio weight is from 10 to 1000")
	case !g.host.blkioWeight:
		g.warn("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.")
	default:
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	}
	return nil
}

// memory checks and sets the memory limits. As in Docker, a memory limit
// without a swap limit allows as much swap again (swap is twice the
// memory), and a swap limit the kernel cannot enforce is dropped.
func (g *generator) memory(r *specs.LinuxResources) error {
	o := g.opts
	mem, swap, reservation := o.Memory, o.MemorySwap, o.MemoryReservation
	switch {
	case mem < 0 || mem > 0 && mem < minMemory:
		return invalid("Minimum memory limit allowed is 6MB")
	case swap > 0 && mem == 0:
		return invalid("You should always set the Memory limit when using Memoryswap limit, see usage")
	case swap > 0 && swap < mem:
		return invalid("Minimum memoryswap limit should be larger than memory limit, see usage")
	case reservation < 0 || reservation > 0 && reservation < minMemory:
		return invalid("Minimum memory reservation allowed is 6MB")
	case mem > 0 && reservation > 0 && mem < reservation:
		return invalid("Minimum memory limit can not be less than memory reservation limit, see usage")
	}
	if mem > 0 && swap == 0 {
		swap = 2 * mem
	}
	if swap != 0 && !g.host.swapLimit {
		g.warn("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.")
		swap = 0
	}
	m := &specs.LinuxMemory{}
	set := false
	for _, f := range []struct {
		dst **int64
		v   int64
	}{{&m.Limit, mem}, {&m.Swap, swap}, {&m.Reservation, reservation}} {
		if f.v != 0 {
			v := f.v
			*f.dst, set = &v, true
		}
	}
	if o.OomKillDisable {
		if mem == 0 {
			g.warn("OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.")
		}
		disable := true
		m.DisableOOMKiller, set = &disable, true
	}
	if set {
		r.Memory = m
	}
	return nil
}

// cpu checks and sets --cpus, --cpu-shares and the cpuset.
func (g *generator) cpu(r *specs.LinuxResources) error {
	o := g.opts
	c := &specs.LinuxCPU{}
	set := false
	if n := o.NanoCPUs; n != 0 {
		ncpu := int64(runtime.NumCPU())
		if n < minNanoCPUs || n > ncpu*1e9 {
			return invalid("Range of CPUs is from 0.01 to %d.00, as there are only %d CPUs available", ncpu, ncpu)
		}
		period, quota := uint64(cpuPeriod), n*cpuPeriod/1e9
		c.Period, c.Quota, set = &period, &quota, true
	}
	if shares := o.CPUShares; shares != 0 {
		if !g.host.unified && shares < minShares {
			g.warn("Changing requested CPUShares of " + strconv.FormatInt(shares, 10) + " to minimum allowed of 2")
			shares = minShares
		} else if !g.host.unified && shares > maxShares {
			g.warn("Changing requested CPUShares of " + strconv.FormatInt(shares, 10) + " to maximum allowed of 262144")
			shares = maxShares
		}
		if shares < 0 {
			return invalid("invalid CPU shares: %d", o.CPUShares)
		}
		s := uint64(shares)
		c.Shares, set = &s, true
	}
	for _, cs := range []struct{ v, what string }{{o.CpusetCpus, "cpus"}, {o.CpusetMems, "mems"}} {
		if cs.v != "" && !validCPUList(cs.v) {
			return invalid("Invalid value %s for cpuset %s: invalid format: %s", cs.v, cs.what, cs.v)
		}
	}
	if o.CpusetCpus != "" || o.CpusetMems != "" {
		c.Cpus, c.Mems, set = o.CpusetCpus, o.CpusetMems, true
	}
	if set {
		r.CPU = c
	}
	return nil
}

// validCPUList reports whether s is a cpuset list such as "0-3,5".
func validCPUList(s string) bool {
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.ParseUint(lo, 10, 16)
		if err1 != nil {
			return false
		}
		if isRange {
			b, err2 := strconv.ParseUint(hi, 10, 16)
			if err2 != nil || b < a {
				return false
			}
		}
	}
	return true
}

// defaultDeviceRules are Docker's device cgroup rules for an unprivileged
// container: nothing but the devices every container has, and explicitly
// not /dev/fuse (10:229), which a later "allow" rule would otherwise pass.
// The runtime adds the rest of the runtime-spec's default devices.
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	rule := func(allow bool, major, minor int64) specs.LinuxDeviceCgroup {
		return specs.LinuxDeviceCgroup{Allow: allow, Type: "c", Major: &major, Minor: &minor, Access: "rwm"}
	}
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		rule(true, 1, 5), rule(true, 1, 3), rule(true, 1, 9), rule(true, 1, 8), rule(true, 5, 0), rule(true, 5, 1),
		rule(false, 10, 229),
	}
}

// devices adds --device and --device-cgroup-rule to the default rules; a
// privileged container gets every host device and may use any.
func (g *generator) devices() error {
	o := g.opts
	l := g.spec.Linux
	if o.Privileged {
		devs, err := hostDevices()
		if err != nil {
			return err
		}
		l.Devices = devs
		l.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
	} else {
		l.Resources.Devices = defaultDeviceRules()
	}
	for _, m := range o.Devices {
		devs, rules, err := devicesFor(m)
		if err != nil {
			return err
		}
		l.Devices = withDevices(l.Devices, devs)
		if !o.Privileged {
			l.Resources.Devices = append(l.Resources.Devices, rules...)
		}
	}
	if o.Privileged {
		return nil
	}
	for _, s := range o.DeviceCgroupRules {
		rule, err := ParseDeviceCgroupRule(s)
		if err != nil {
			return err
		}
		l.Resources.Devices = append(l.Resources.Devices, rule)
	}
	return nil
}

// withDevices adds devs to list; one on a path list has already replaces
// it (a privileged container's --device of a host device).
func withDevices(list, devs []specs.LinuxDevice) []specs.LinuxDevice {
	for _, d := range devs {
		list = slices.DeleteFunc(list, func(x specs.LinuxDevice) bool { return x.Path == d.Path })
		list = append(list, d)
	}
	return list
}
