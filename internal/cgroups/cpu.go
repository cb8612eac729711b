package cgroups

import (
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func (m *manager) setCPU(c *specs.LinuxCPU, update bool) error {
	if c == nil {
		return nil
	}
	// Burst, idle and the realtime runtime are meaningful at zero, but zero
	// is also what a new cgroup has: written at creation only when non-zero.
	keep := func(p *int64) bool { return p != nil && (update || *p != 0) }
	burst := c.Burst != nil && (update || *c.Burst != 0)
	rtPeriod := c.RealtimePeriod != nil && (update || *c.RealtimePeriod != 0)
	if !setValue(c.Shares) && !setValue(c.Quota) && !setValue(c.Period) && !burst &&
		!keep(c.RealtimeRuntime) && !rtPeriod && !keep(c.Idle) {
		return nil
	}
	d, err := m.controllerDir("cpu", "cpu")
	if err != nil {
		return err
	}
	if d.h.v2 {
		if keep(c.RealtimeRuntime) || rtPeriod {
			return unsupported("realtime CPU scheduling limits", 2)
		}
		return setCPUV2(d.path, c, burst, keep(c.Idle))
	}
	if err := writeFiles(d.path, cpuSharesV1(c)); err != nil {
		return err
	}
	var bw []fileValue
	if setValue(c.Period) {
		bw = append(bw, fileValue{"cpu.cfs_period_us", strconv.FormatUint(*c.Period, 10)})
	}
	if setValue(c.Quota) {
		bw = append(bw, fileValue{"cpu.cfs_quota_us", formatLimit(*c.Quota, false)})
	}
	if burst {
		bw = append(bw, fileValue{"cpu.cfs_burst_us", strconv.FormatUint(*c.Burst, 10)})
	}
	if err := writeOrdered(d.path, bw); err != nil {
		return err
	}
	var rt []fileValue
	if rtPeriod {
		rt = append(rt, fileValue{"cpu.rt_period_us", strconv.FormatUint(*c.RealtimePeriod, 10)})
	}
	if keep(c.RealtimeRuntime) {
		rt = append(rt, fileValue{"cpu.rt_runtime_us", strconv.FormatInt(*c.RealtimeRuntime, 10)})
	}
	if err := writeOrdered(d.path, rt); err != nil {
		return err
	}
	if keep(c.Idle) {
		return writeFile(d.path, "cpu.idle", strconv.FormatInt(*c.Idle, 10))
	}
	return nil
}

func cpuSharesV1(c *specs.LinuxCPU) []fileValue {
	if !setValue(c.Shares) {
		return nil
	}
	return []fileValue{{"cpu.shares", strconv.FormatUint(*c.Shares, 10)}}
}

func setCPUV2(dir string, c *specs.LinuxCPU, burst, idle bool) error {
	if setValue(c.Shares) {
		if err := writeFile(dir, "cpu.weight", strconv.FormatUint(sharesToWeight(*c.Shares), 10)); err != nil {
			return err
		}
	}
	var bw []fileValue
	if setValue(c.Quota) || setValue(c.Period) {
		cpuMax, err := cpuMaxV2(dir, c)
		if err != nil {
			return err
		}
		bw = append(bw, fileValue{"cpu.max", cpuMax})
	}
	if burst {
		bw = append(bw, fileValue{"cpu.max.burst", strconv.FormatUint(*c.Burst, 10)})
	}
	if err := writeOrdered(dir, bw); err != nil {
		return err
	}
	if idle {
		return writeFile(dir, "cpu.idle", strconv.FormatInt(*c.Idle, 10))
	}
	return nil
}

// cpuMaxV2 builds the "$QUOTA $PERIOD" of cpu.max. With only a period set,
// the quota in place is kept.
func cpuMaxV2(dir string, c *specs.LinuxCPU) (string, error) {
	quota := ""
	switch {
	case setValue(c.Quota):
		quota = formatLimit(*c.Quota, true)
	default:
		cur, err := readTrimmed(dir, "cpu.max")
		if err != nil {
			return "", err
		}
		quota, _, _ = strings.Cut(cur, " ")
	}
	if setValue(c.Period) {
		return quota + " " + strconv.FormatUint(*c.Period, 10), nil
	}
	return quota, nil
}

// sharesToWeight maps v1 cpu.shares [2, 262144] linearly onto v2 cpu.weight
// [1, 10000], the conversion runc and crun have long used, so a container
// gets the same weight under either runtime.
func sharesToWeight(shares uint64) uint64 {
	shares = min(max(shares, 2), 262144)
	return 1 + (shares-2)*9999/262142
}

// setCpuset writes cpuset.cpus and cpuset.mems; both versions use the same
// names and format.
func (m *manager) setCpuset(c *specs.LinuxCPU) error {
	if c == nil || (c.Cpus == "" && c.Mems == "") {
		return nil
	}
	d, err := m.controllerDir("cpuset", "cpuset")
	if err != nil {
		return err
	}
	var w []fileValue
	if c.Cpus != "" {
		w = append(w, fileValue{"cpuset.cpus", c.Cpus})
	}
	if c.Mems != "" {
		w = append(w, fileValue{"cpuset.mems", c.Mems})
	}
	return writeFiles(d.path, w)
}
