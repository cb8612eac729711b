package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// These tests run the v2 (and hybrid) code paths against plain files laid
// out like cgroupfs, since the test machines are v1 hybrid hosts. They
// check which files get which values; the kernel's side is covered by the
// real-cgroup tests.

func writeFakeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

var fakeV2Files = map[string]string{
	"cgroup.controllers": "", "cgroup.subtree_control": "", "cgroup.procs": "",
	"cgroup.freeze": "0", "cgroup.events": "populated 1\nfrozen 1\n",
	"memory.max": "max", "memory.swap.max": "max", "memory.low": "0", "memory.current": "4096",
	"cpu.max": "max 100000", "cpu.weight": "100", "cpu.max.burst": "0", "cpu.idle": "0",
	"pids.max": "max", "io.weight": "default 100", "io.max": "",
	"cpuset.cpus": "", "cpuset.mems": "", "hugetlb.2MB.max": "max", "hugetlb.2MB.rsvd.max": "max",
	"memory.high": "max",
}

// fakeUnified returns a unified host rooted in a temporary directory, with
// the container cgroup /c laid out.
func fakeUnified(t *testing.T) (*host, string) {
	root := t.TempDir()
	writeFakeFiles(t, root, map[string]string{"cgroup.subtree_control": ""})
	writeFakeFiles(t, filepath.Join(root, "c"), fakeV2Files)
	h := &host{
		v2:          &hierarchy{mountpoint: root, root: "/", v2: true, controllers: []string{"cpuset", "cpu", "io", "memory", "hugetlb", "pids"}},
		selfCgroups: func() (map[string]string, error) { return map[string]string{"": "/"}, nil },
	}
	return h, filepath.Join(root, "c")
}

func fakeFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestUnifiedCreate(t *testing.T) {
	h, dir := fakeUnified(t)
	m, err := newManager(h, "/c", "")
	if err != nil {
		t.Fatal(err)
	}
	if m.Version() != 2 || len(m.Paths()) != 1 || m.Paths()[""] != dir {
		t.Fatalf("Version %d, Paths %v", m.Version(), m.Paths())
	}
	dev := specs.LinuxBlockIODevice{Major: 8, Minor: 0}
	err = m.Create(&specs.LinuxResources{
		Memory:         &specs.LinuxMemory{Limit: ptr[int64](64 * mib), Swap: ptr[int64](128 * mib), Reservation: ptr[int64](mib), Kernel: ptr[int64](mib)},
		CPU:            &specs.LinuxCPU{Shares: ptr[uint64](1024), Quota: ptr[int64](50000), Period: ptr[uint64](100000), Cpus: "0-1", Mems: "0"},
		Pids:           &specs.LinuxPids{Limit: ptr[int64](-1)},
		BlockIO:        &specs.LinuxBlockIO{Weight: ptr[uint16](500), ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1000}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 * mib}},
		Unified:        map[string]string{"memory.high": "max"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"memory.max": "67108864", "memory.swap.max": "67108864", "memory.low": "1048576",
		"cpu.weight": "39", "cpu.max": "50000 100000", "cpuset.cpus": "0-1", "cpuset.mems": "0",
		"pids.max": "max", "io.weight": "default 4950", "io.max": "8:0 rbps=1000",
		"hugetlb.2MB.max": "4194304", "hugetlb.2MB.rsvd.max": "4194304", "memory.high": "max",
	}
	for file, v := range want {
		if got := fakeFile(t, dir, file); got != v {
			t.Errorf("%s = %q, want %q", file, got, v)
		}
	}
	if got := fakeFile(t, filepath.Dir(dir), "cgroup.subtree_control"); got != "+cpuset +cpu +io +memory +hugetlb +pids" {
		t.Errorf("parent's cgroup.subtree_control = %q", got)
	}
}

func TestUnifiedSet(t *testing.T) {
	h, dir := fakeUnified(t)
	m, err := newManager(h, "/c", "")
	if err != nil {
		t.Fatal(err)
	}
	writeFakeFiles(t, dir, map[string]string{"cpu.max": "50000 100000"})
	if err := m.Set(&specs.LinuxResources{CPU: &specs.LinuxCPU{Period: ptr[uint64](200000), Burst: ptr[uint64](0)}}); err != nil {
		t.Fatal(err)
	}
	if got := fakeFile(t, dir, "cpu.max"); got != "50000 200000" {
		t.Errorf("cpu.max after a period-only update = %q", got)
	}
	if err := m.Set(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](-1)}}); err != nil {
		t.Fatal(err)
	}
	if a, b := fakeFile(t, dir, "memory.max"), fakeFile(t, dir, "memory.swap.max"); a != "max" || b != "max" {
		t.Errorf("unlimited memory: memory.max %q, memory.swap.max %q", a, b)
	}
	if err := m.Freeze(); err != nil || fakeFile(t, dir, "cgroup.freeze") != "1" {
		t.Errorf("Freeze: %v, cgroup.freeze %q", err, fakeFile(t, dir, "cgroup.freeze"))
	}

	refused := []struct {
		name string
		r    specs.LinuxResources
		kind error
	}{
		{"swappiness", specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: ptr[uint64](0)}}, errdefs.ErrUnavailable},
		{"oom killer", specs.LinuxResources{Memory: &specs.LinuxMemory{DisableOOMKiller: ptr(true)}}, errdefs.ErrUnavailable},
		{"swap alone", specs.LinuxResources{Memory: &specs.LinuxMemory{Swap: ptr[int64](mib)}}, errdefs.ErrInvalidArgument},
		{"swap below limit", specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](2 * mib), Swap: ptr[int64](mib)}}, errdefs.ErrInvalidArgument},
		{"realtime", specs.LinuxResources{CPU: &specs.LinuxCPU{RealtimeRuntime: ptr[int64](1000)}}, errdefs.ErrUnavailable},
		{"leaf weight", specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{LeafWeight: ptr[uint16](100)}}, errdefs.ErrUnavailable},
		{"net_cls", specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: ptr[uint32](1)}}, errdefs.ErrUnavailable},
		{"rdma", specs.LinuxResources{Rdma: map[string]specs.LinuxRdma{"mlx5_0": {HcaHandles: ptr[uint32](1)}}}, errdefs.ErrUnavailable},
	}
	for _, c := range refused {
		if err := m.Set(&c.r); !errors.Is(err, c.kind) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.kind)
		}
	}
	err = m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "1GB", Limit: 1 << 30}}})
	if !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), `setting hugetlb.1GB.max to "1073741824": no such file`) {
		t.Errorf("missing file: got %v", err)
	}
}

func TestUnifiedStats(t *testing.T) {
	h, dir := fakeUnified(t)
	writeFakeFiles(t, dir, map[string]string{
		"cpu.stat":              "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 1\nthrottled_usec 7\n",
		"memory.stat":           "anon 8192\nfile 4096\n",
		"memory.current":        "12288",
		"memory.max":            "max",
		"memory.events":         "low 0\nhigh 0\nmax 2\noom 0\noom_kill 0\n",
		"memory.swap.current":   "4096",
		"pids.current":          "3",
		"pids.max":              "10",
		"io.stat":               "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
		"cpuset.cpus.effective": "0-1\n", "cpuset.mems.effective": "0\n",
		"cpu.pressure": "some avg10=1.50 avg60=0.00 avg300=0.00 total=42\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n",
	})
	m, err := newManager(h, "/c", "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if u := s.CPU.Usage; u.Total != 1500000 || u.User != 1000000 || u.Kernel != 500000 {
		t.Errorf("cpu usage %+v", u)
	}
	if th := s.CPU.Throttling; th.Periods != 3 || th.ThrottledPeriods != 1 || th.ThrottledTime != 7000 {
		t.Errorf("throttling %+v", th)
	}
	if s.Memory.Cache != 4096 || s.Memory.Usage.Usage != 12288 || s.Memory.Usage.Failcnt != 2 || s.Memory.Swap.Usage != 16384 {
		t.Errorf("memory %+v", s.Memory)
	}
	if s.Pids != (Pids{Current: 3, Limit: 10}) {
		t.Errorf("pids %+v", s.Pids)
	}
	want := []BlkioEntry{{8, 0, "Read", 100}, {8, 0, "Write", 200}}
	if b := s.Blkio.IoServiceBytesRecursive; len(b) != 2 || b[0] != want[0] || b[1] != want[1] {
		t.Errorf("io service bytes %+v", b)
	}
	if len(s.CPUSet.CPUs) != 2 || s.CPU.PSI == nil || s.CPU.PSI.Some.Avg10 != 1.5 || s.CPU.PSI.Full.Total != 7 {
		t.Errorf("cpuset %+v, psi %+v", s.CPUSet, s.CPU.PSI)
	}
}

// TestHybridDelegation: on a hybrid host a controller that lives on the
// cgroup2 mount is enabled down to the container only when a limit needs it.
func TestHybridDelegation(t *testing.T) {
	v1root, v2root := t.TempDir(), t.TempDir()
	writeFakeFiles(t, filepath.Join(v1root, "hull", "c"), map[string]string{"memory.limit_in_bytes": ""})
	writeFakeFiles(t, v2root, map[string]string{"cgroup.subtree_control": ""})
	writeFakeFiles(t, filepath.Join(v2root, "hull"), map[string]string{"cgroup.subtree_control": ""})
	writeFakeFiles(t, filepath.Join(v2root, "hull", "c"), fakeV2Files)
	h := &host{
		v1: []*hierarchy{{mountpoint: v1root, root: "/", controllers: []string{"memory"}}},
		v2: &hierarchy{mountpoint: v2root, root: "/", v2: true, controllers: []string{"hugetlb"}},
	}
	m, err := newManager(h, "/hull/c", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(&specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](mib)}}); err != nil {
		t.Fatal(err)
	}
	if got := fakeFile(t, v2root, "cgroup.subtree_control"); got != "" {
		t.Errorf("Create without hugepage limits delegated %q", got)
	}
	if err := m.Set(&specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 2 * mib}}}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{v2root, filepath.Join(v2root, "hull")} {
		if got := fakeFile(t, d, "cgroup.subtree_control"); got != "+hugetlb" {
			t.Errorf("%s/cgroup.subtree_control = %q, want +hugetlb", d, got)
		}
	}
	if got := fakeFile(t, filepath.Join(v2root, "hull", "c"), "hugetlb.2MB.max"); got != "2097152" {
		t.Errorf("hugetlb.2MB.max = %q", got)
	}
	err = m.Set(&specs.LinuxResources{Unified: map[string]string{"memory.high": "1"}})
	if !errors.Is(err, errdefs.ErrUnavailable) {
		t.Errorf("unified memory key on a hybrid host with v1 memory: got %v", err)
	}
	if m.Paths()["memory"] != filepath.Join(v1root, "hull", "c") || m.Paths()[""] != filepath.Join(v2root, "hull", "c") || m.Version() != 1 {
		t.Errorf("Paths %v, Version %d", m.Paths(), m.Version())
	}
	e := m.Entry()
	if len(e.Tasks) != 1 || e.Tasks[0] != filepath.Join(v1root, "hull", "c", "tasks") || e.Dir != filepath.Join(v2root, "hull", "c") {
		t.Errorf("Entry() = %+v", e)
	}
	loaded, err := load(h, m.Paths())
	if err != nil || !mapsEqual(loaded.Paths(), m.Paths()) {
		t.Errorf("load(Paths()) = %v, %v", loaded, err)
	}
	if _, err := load(h, map[string]string{"memory": v1root}); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("load of a hierarchy root: got %v", err)
	}
}

func TestInnerPath(t *testing.T) {
	cases := []struct {
		path, id, want string
		ok             bool
	}{
		{"", "abc", "/abc", true},
		{"/a/b", "x", "/a/b", true},
		{"/a/../../b", "", "/b", true},
		{"a/b", "", "a/b", true},
		{"../../a", "", "a", true},
		{"", "", "", false},
		{"", "a/b", "", false},
		{"/", "", "", false},
		{".", "", "", false},
		{"system.slice:docker:abc", "", "", false},
		{":hull:abc", "", "", false},
	}
	for _, c := range cases {
		got, err := innerPath(c.path, c.id)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("innerPath(%q, %q) = %q, %v; want %q", c.path, c.id, got, err, c.want)
		}
		if !c.ok && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("innerPath(%q, %q) = %q, %v; want ErrInvalidArgument", c.path, c.id, got, err)
		}
	}
}

func TestResolveRelative(t *testing.T) {
	self := map[string]string{"memory": "/docker/abc/sub", "": "/user.slice"}
	bound := &hierarchy{mountpoint: "/sys/fs/cgroup/memory", root: "/docker/abc", controllers: []string{"memory"}}
	if got, err := resolve(bound, "ctr", self, "memory"); err != nil || got != "/sys/fs/cgroup/memory/sub/ctr" {
		t.Errorf("relative in a bind-mounted hierarchy: %q, %v", got, err)
	}
	v2 := &hierarchy{mountpoint: "/sys/fs/cgroup", root: "/", v2: true}
	if got, err := resolve(v2, "ctr", self, ""); err != nil || got != "/sys/fs/cgroup/user.slice/ctr" {
		t.Errorf("relative on v2: %q, %v", got, err)
	}
	outside := &hierarchy{mountpoint: "/sys/fs/cgroup/memory", root: "/docker/abcd", controllers: []string{"memory"}}
	if _, err := resolve(outside, "ctr", self, "memory"); !errors.Is(err, errdefs.ErrUnavailable) {
		t.Errorf("own cgroup outside the mount: %v", err)
	}
}

func TestParseCgroupFile(t *testing.T) {
	got := parseCgroupFile("12:cpu,cpuacct:/a\n1:name=systemd:/b\n0::/c\n")
	want := map[string]string{"cpu": "/a", "cpuacct": "/a", "name=systemd": "/b", "": "/c"}
	if !mapsEqual(got, want) {
		t.Errorf("parseCgroupFile = %v, want %v", got, want)
	}
}

// FuzzInnerPath: cgroupsPath comes from the container's config, so no input
// may lead outside the hierarchy or onto its root.
func FuzzInnerPath(f *testing.F) {
	for _, s := range []string{"", "/a", "a/../..", "/../x", ".", "a:b:c", "//a//b/", "../../etc"} {
		f.Add(s, "id")
	}
	f.Fuzz(func(t *testing.T, path, id string) {
		got, err := innerPath(path, id)
		if err != nil {
			return
		}
		if filepath.Clean("/"+got) == "/" {
			t.Fatalf("innerPath(%q, %q) = %q names the root", path, id, got)
		}
		for _, part := range strings.Split(got, "/") {
			if part == ".." || part == "." {
				t.Fatalf("innerPath(%q, %q) = %q has %q", path, id, got, part)
			}
		}
		if filepath.IsAbs(got) != (path == "" || filepath.IsAbs(path)) {
			t.Fatalf("innerPath(%q, %q) = %q changed absoluteness", path, id, got)
		}
	})
}
