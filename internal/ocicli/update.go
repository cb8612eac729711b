package ocicli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// updateFlags are runc update's single-value flags; each one given
// overrides the same field of --resources.
var updateFlags = []struct {
	name  string
	apply func(r *specs.LinuxResources, v string) error
}{
	{"memory", memFlag(func(m *specs.LinuxMemory, n int64) { m.Limit = &n })},
	{"memory-reservation", memFlag(func(m *specs.LinuxMemory, n int64) { m.Reservation = &n })},
	{"memory-swap", memFlag(func(m *specs.LinuxMemory, n int64) { m.Swap = &n })},
	{"kernel-memory", memFlag(func(m *specs.LinuxMemory, n int64) { m.Kernel = &n })},
	{"kernel-memory-tcp", memFlag(func(m *specs.LinuxMemory, n int64) { m.KernelTCP = &n })},
	{"cpu-shares", uintFlag(func(c *specs.LinuxCPU, n uint64) { c.Shares = &n })},
	{"cpu-period", uintFlag(func(c *specs.LinuxCPU, n uint64) { c.Period = &n })},
	{"cpu-rt-period", uintFlag(func(c *specs.LinuxCPU, n uint64) { c.RealtimePeriod = &n })},
	{"cpu-quota", intFlag(func(c *specs.LinuxCPU, n int64) { c.Quota = &n })},
	{"cpu-rt-runtime", intFlag(func(c *specs.LinuxCPU, n int64) { c.RealtimeRuntime = &n })},
	{"cpuset-cpus", func(r *specs.LinuxResources, v string) error { cpu(r).Cpus = v; return nil }},
	{"cpuset-mems", func(r *specs.LinuxResources, v string) error { cpu(r).Mems = v; return nil }},
	{"pids-limit", func(r *specs.LinuxResources, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		r.Pids = &specs.LinuxPids{Limit: &n}
		return err
	}},
	{"blkio-weight", func(r *specs.LinuxResources, v string) error {
		n, err := strconv.ParseUint(v, 10, 16)
		if r.BlockIO == nil {
			r.BlockIO = &specs.LinuxBlockIO{}
		}
		w := uint16(n)
		r.BlockIO.Weight = &w
		return err
	}},
}

func cpu(r *specs.LinuxResources) *specs.LinuxCPU {
	if r.CPU == nil {
		r.CPU = &specs.LinuxCPU{}
	}
	return r.CPU
}

func memFlag(set func(*specs.LinuxMemory, int64)) func(*specs.LinuxResources, string) error {
	return func(r *specs.LinuxResources, v string) error {
		n, err := parseBytes(v)
		if err != nil {
			return err
		}
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		set(r.Memory, n)
		return nil
	}
}

func uintFlag(set func(*specs.LinuxCPU, uint64)) func(*specs.LinuxResources, string) error {
	return func(r *specs.LinuxResources, v string) error {
		n, err := strconv.ParseUint(v, 10, 64)
		set(cpu(r), n)
		return err
	}
}

func intFlag(set func(*specs.LinuxCPU, int64)) func(*specs.LinuxResources, string) error {
	return func(r *specs.LinuxResources, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		set(cpu(r), n)
		return err
	}
}

// parseBytes reads a size such as 512m, 1g, 1024 or -1 (unlimited), with
// binary units as runc and Docker read them.
func parseBytes(v string) (int64, error) {
	if v == "-1" {
		return -1, nil
	}
	s := strings.ToLower(strings.TrimSpace(v))
	s = strings.TrimSuffix(strings.TrimSuffix(s, "b"), "i")
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k':
			mult = 1 << 10
		case 'm':
			mult = 1 << 20
		case 'g':
			mult = 1 << 30
		case 't':
			mult = 1 << 40
		}
		if mult > 1 {
			s = s[:n-1]
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q", v)
	}
	return int64(f * float64(mult)), nil
}

func cmdUpdate(g *globals, args []string) error {
	fs := newFlags("update")
	var resources string
	fs.StringVar(&resources, "resources", "", "")
	fs.StringVar(&resources, "r", "", "")
	vals := make([]string, len(updateFlags))
	for i, u := range updateFlags {
		fs.StringVar(&vals[i], u.name, "", "")
	}
	fs.String("l3-cache-schema", "", "")
	fs.String("mem-bw-schema", "", "")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return err
	}
	id, err := needID("update", pos)
	if err != nil {
		return err
	}
	r, err := readResources(resources)
	if err != nil {
		return err
	}
	for i, u := range updateFlags {
		if vals[i] == "" {
			continue
		}
		if err := u.apply(r, vals[i]); err != nil {
			return fmt.Errorf("update: --%s %q: %v", u.name, vals[i], err)
		}
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	c, err := rt.Load(id)
	if err != nil {
		return err
	}
	return c.Update(r)
}

// readResources reads --resources: a LinuxResources JSON file, or "-" for
// stdin.
func readResources(path string) (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	if path == "" {
		return r, nil
	}
	var in io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		defer f.Close()
		in = f
	}
	if err := json.NewDecoder(in).Decode(r); err != nil {
		return nil, fmt.Errorf("update: parsing resources: %w", err)
	}
	return r, nil
}
