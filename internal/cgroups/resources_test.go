package cgroups

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

const mib = 1 << 20

func TestCreateMemoryLimit(t *testing.T) {
	m := created(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{
		Limit: ptr[int64](64 * mib), Reservation: ptr[int64](32 * mib), Swappiness: ptr[uint64](10),
	}})
	for _, p := range m.Paths() {
		if !dirExists(p) {
			t.Errorf("Create did not make %s", p)
		}
	}
	mem := m.v1["memory"].path
	wantFile(t, mem, "memory.limit_in_bytes", "67108864")
	wantFile(t, mem, "memory.soft_limit_in_bytes", "33554432")
	wantFile(t, mem, "memory.swappiness", "10")
}

func TestCreateJoinsExisting(t *testing.T) {
	m := created(t, nil)
	again, err := New(m.v1["memory"].path[len(m.v1["memory"].h.mountpoint):], "")
	if err != nil {
		t.Fatal(err)
	}
	if err := again.Create(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](5)}}); err != nil {
		t.Fatalf("Create on an existing cgroup: %v", err)
	}
	wantFile(t, m.v1["pids"].path, "pids.max", "5")
}

func TestPidsLimit(t *testing.T) {
	m := created(t, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](10)}})
	dir := m.v1["pids"].path
	wantFile(t, dir, "pids.max", "10")
	for _, limit := range []int64{-1, 0} {
		if err := m.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &limit}}); err != nil {
			t.Fatal(err)
		}
		wantFile(t, dir, "pids.max", "max")
	}
}

func TestCPUQuotaRaiseAndLower(t *testing.T) {
	m := created(t, &specs.LinuxResources{CPU: &specs.LinuxCPU{
		Shares: ptr[uint64](512), Quota: ptr[int64](50000), Period: ptr[uint64](100000),
	}})
	dir := m.v1["cpu"].path
	wantFile(t, dir, "cpu.shares", "512")
	wantFile(t, dir, "cpu.cfs_quota_us", "50000")
	wantFile(t, dir, "cpu.cfs_period_us", "100000")
	steps := []struct{ quota, period, burst uint64 }{
		{5000, 10000, 0},        // lower both
		{900000, 1000000, 1000}, // raise both, with a burst
		{2000, 1000000, 1000},   // quota below the burst in place: needs the burst first
	}
	for _, s := range steps {
		q := int64(s.quota)
		err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: &q, Period: &s.period, Burst: &s.burst}})
		if err != nil {
			t.Fatalf("quota %d period %d: %v", s.quota, s.period, err)
		}
		wantFile(t, dir, "cpu.cfs_quota_us", formatLimit(q, false))
		wantFile(t, dir, "cpu.cfs_period_us", formatLimit(int64(s.period), false))
	}
	if err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Quota: ptr[int64](-1)}}); err != nil {
		t.Fatal(err)
	}
	wantFile(t, dir, "cpu.cfs_quota_us", "-1")
}

func TestCpusetInherited(t *testing.T) {
	m := created(t, nil)
	d := m.v1["cpuset"]
	wantFile(t, d.path, "cpuset.cpus", readCg(t, d.h.mountpoint, "cpuset.cpus"))
	wantFile(t, d.path, "cpuset.mems", readCg(t, d.h.mountpoint, "cpuset.mems"))
	if err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "0", Mems: "0"}}); err != nil {
		t.Fatal(err)
	}
	wantFile(t, d.path, "cpuset.cpus", "0")
}

// TestSetMemoryAndSwap moves limit and memory+swap up past the current
// memsw and down below the current limit: each needs its own write order.
func TestSetMemoryAndSwap(t *testing.T) {
	m := created(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](64 * mib), Swap: ptr[int64](128 * mib)}})
	dir := m.v1["memory"].path
	if !fileExists(dir, "memory.memsw.limit_in_bytes") {
		t.Skip("no swap accounting")
	}
	for _, s := range []struct{ limit, swap int64 }{{64, 128}, {256, 512}, {32, 64}, {300, 300}, {16, 1024}} {
		err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr(s.limit * mib), Swap: ptr(s.swap * mib)}})
		if err != nil {
			t.Fatalf("limit %d MiB swap %d MiB: %v", s.limit, s.swap, err)
		}
		wantFile(t, dir, "memory.limit_in_bytes", formatLimit(s.limit*mib, false))
		wantFile(t, dir, "memory.memsw.limit_in_bytes", formatLimit(s.swap*mib, false))
	}
	// Unlimited memory without a swap value lifts the swap limit too.
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}}); err != nil {
		t.Fatal(err)
	}
	if readCg(t, dir, "memory.memsw.limit_in_bytes") != readCg(t, dir, "memory.limit_in_bytes") {
		t.Errorf("memsw %s, limit %s: want both unlimited", readCg(t, dir, "memory.memsw.limit_in_bytes"), readCg(t, dir, "memory.limit_in_bytes"))
	}
	err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](64 * mib), Swap: ptr[int64](32 * mib)}})
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("swap below limit: got %v, want ErrInvalidArgument", err)
	}
}

func TestCheckBeforeUpdate(t *testing.T) {
	m := created(t, nil)
	// Memory is charged to the cgroup it is allocated in: allocate after
	// joining, and keep it.
	g := startGated(t, `x=$(head -c 2000000 /dev/zero | tr '\0' a); echo ok; sleep 60`)
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.open()
	eventually(t, "the process to allocate", func() bool {
		usage, _ := readUint(m.v1["memory"].path, "memory.usage_in_bytes")
		return usage > 2000000
	})
	err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](4096), CheckBeforeUpdate: ptr(true)}})
	if !errors.Is(err, errdefs.ErrConflict) {
		t.Fatalf("limit below usage with checkBeforeUpdate: got %v, want ErrConflict", err)
	}
}

func TestDisableOOMKillerAndHierarchy(t *testing.T) {
	m := created(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: ptr(true), UseHierarchy: ptr(true)}})
	dir := m.v1["memory"].path
	if !strings.Contains(readCg(t, dir, "memory.oom_control"), "oom_kill_disable 1") {
		t.Errorf("memory.oom_control: %q", readCg(t, dir, "memory.oom_control"))
	}
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: ptr(false)}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readCg(t, dir, "memory.oom_control"), "oom_kill_disable 0") {
		t.Errorf("memory.oom_control after re-enabling: %q", readCg(t, dir, "memory.oom_control"))
	}
}

func TestBlockIOThrottle(t *testing.T) {
	var st unix.Stat_t
	if err := unix.Stat("/dev/vda", &st); err != nil {
		t.Skip("no /dev/vda to throttle")
	}
	dev := specs.LinuxBlockIODevice{Major: int64(unix.Major(st.Rdev)), Minor: int64(unix.Minor(st.Rdev))}
	m := created(t, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
		ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1 << 20}},
		ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 100}},
	}})
	dir := m.v1["blkio"].path
	key := devKey(dev)
	wantFile(t, dir, "blkio.throttle.read_bps_device", key+" 1048576")
	wantFile(t, dir, "blkio.throttle.write_iops_device", key+" 100")
	if fileExists(dir, "blkio.bfq.weight") && !fileExists(dir, "blkio.weight") {
		if err := m.Set(&specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: ptr[uint16](300)}}); err != nil {
			t.Fatal(err)
		}
		wantFile(t, dir, "blkio.bfq.weight", "300")
	}
}

// TestInvalidValues checks that what the kernel refuses, or lacks, comes
// back named, with the right kind.
func TestInvalidValues(t *testing.T) {
	m := created(t, nil)
	cases := []struct {
		name string
		r    *specs.LinuxResources
		kind error
		text string
	}{
		{"cpus", &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "zero"}}, errdefs.ErrInvalidArgument,
			`setting cpuset.cpus to "zero": invalid argument`},
		{"cpus range", &specs.LinuxResources{CPU: &specs.LinuxCPU{Cpus: "4096"}}, errdefs.ErrInvalidArgument,
			`setting cpuset.cpus to "4096": numerical result out of range`},
		{"swappiness", &specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: ptr[uint64](1000)}}, errdefs.ErrInvalidArgument,
			`setting memory.swappiness to "1000": invalid argument`},
		{"page size", &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "3MB", Limit: 1}}}, errdefs.ErrUnavailable,
			`hugetlb.3MB.`},
		{"device type", &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Type: "x"}}}, errdefs.ErrInvalidArgument,
			`type "x"`},
		{"unified key", &specs.LinuxResources{Unified: map[string]string{"cgroup.procs": "1"}}, errdefs.ErrInvalidArgument,
			`"cgroup.procs"`},
	}
	if m.host.mode() == Hybrid && !m.v2.h.has("memory") {
		cases = append(cases, struct {
			name string
			r    *specs.LinuxResources
			kind error
			text string
		}{"unified v1 controller", &specs.LinuxResources{Unified: map[string]string{"memory.max": "1"}}, errdefs.ErrUnavailable, "on cgroup v1"})
	}
	if _, ok := m.v1["net_cls"]; !ok {
		cases = append(cases, struct {
			name string
			r    *specs.LinuxResources
			kind error
			text string
		}{"net_cls", &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}}, errdefs.ErrUnavailable, "net_cls"})
	}
	for _, c := range cases {
		err := m.Set(c.r)
		if !errors.Is(err, c.kind) || !strings.Contains(fmtErr(err), c.text) {
			t.Errorf("%s: got %v, want %v containing %q", c.name, err, c.kind, c.text)
		}
	}
	if _, err := New("system.slice:docker:abc", ""); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("systemd path: got %v, want ErrInvalidArgument", err)
	}
}

func fmtErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
