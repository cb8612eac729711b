package cgroups

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// inCgroup reports whether /proc/PID/cgroup puts pid in dir's cgroup for
// the hierarchy of d.
func procCgroup(t *testing.T, pid int) map[string]string {
	t.Helper()
	s, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	return parseCgroupFile(string(s))
}

func TestApplyAndPids(t *testing.T) {
	m := created(t, nil)
	g := startGated(t, "sleep 60 & exec sleep 61")
	pid := g.cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	// The process is in the cgroup on every hierarchy.
	own := procCgroup(t, pid)
	for key, dir := range m.Paths() {
		h := m.host.hierarchyFor(key)
		want := strings.TrimPrefix(dir, h.mountpoint)
		if own[key] != want {
			t.Errorf("process %d is in %q of %q, want %q", pid, own[key], key, want)
		}
	}
	g.open()
	eventually(t, "the fork", func() bool { pids, _ := m.Pids(); return len(pids) == 2 })

	// Pids goes into sub-cgroups the container made.
	sub := filepath.Join(m.pidsDir().path, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(sub, "cgroup.procs", strconv.Itoa(pid)); err != nil {
		t.Fatal(err)
	}
	pids, err := m.Pids()
	if err != nil || len(pids) != 2 || !slices.Contains(pids, pid) {
		t.Errorf("Pids = %v, %v; want 2 processes including %d", pids, err, pid)
	}
}

func TestFreezeThaw(t *testing.T) {
	m := created(t, nil)
	// The loop proves the process runs: its counter file grows only
	// while it is thawed.
	counter := filepath.Join(t.TempDir(), "n")
	g := startGated(t, "i=0; while :; do i=$((i+1)); echo $i > "+counter+"; done")
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.open()
	read := func() string { b, _ := os.ReadFile(counter); return string(b) }
	eventually(t, "the loop to start", func() bool { return read() != "" })

	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := m.Frozen(); !frozen || err != nil {
		t.Fatalf("Frozen() = %v, %v after Freeze", frozen, err)
	}
	if d := m.v1["freezer"]; d != nil {
		wantFile(t, d.path, "freezer.state", "FROZEN")
	}
	before := read()
	for range 20 {
		if now := read(); now != before && now != "" {
			t.Fatalf("the frozen loop went on: %q then %q", before, now)
		}
		unix.Nanosleep(&unix.Timespec{Nsec: 1e6}, nil)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := m.Frozen(); frozen || err != nil {
		t.Fatalf("Frozen() = %v, %v after Thaw", frozen, err)
	}
	eventually(t, "the thawed loop to go on", func() bool { return read() != before })
}

func TestKill(t *testing.T) {
	m := created(t, nil)
	g := startGated(t, "sleep 60 & sleep 61 & wait")
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.open()
	eventually(t, "the forks", func() bool { pids, _ := m.Pids(); return len(pids) == 3 })

	// A harmless signal to a paused container leaves it paused.
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if err := m.Kill(unix.SIGCONT); err != nil {
		t.Fatal(err)
	}
	if frozen, _ := m.Frozen(); !frozen {
		t.Error("Kill(SIGCONT) thawed a paused cgroup")
	}
	// SIGKILL reaches every process, paused or not.
	if err := m.Kill(unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	g.cmd.Wait()
	eventually(t, "every process to die", func() bool { pids, _ := m.Pids(); return len(pids) == 0 })
}

func TestStats(t *testing.T) {
	m := created(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](256 * mib)},
		Pids: &specs.LinuxPids{Limit: ptr[int64](50)}})
	g := startGated(t, `i=0; while [ $i -lt 30000 ]; do i=$((i+1)); done; x=$(head -c 1000000 /dev/zero | tr '\0' a); echo done; exec sleep 60`)
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.open()
	eventually(t, "the busy loop", func() bool { return strings.Contains(g.out.String(), "done") })

	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.CPU.Usage.Total == 0 || s.CPU.Usage.User+s.CPU.Usage.Kernel == 0 || len(s.CPU.Usage.Percpu) == 0 {
		t.Errorf("cpu usage: %+v", s.CPU.Usage)
	}
	if s.Memory.Usage.Usage == 0 || s.Memory.Usage.Max < s.Memory.Usage.Usage || s.Memory.Usage.Limit != 256*mib || len(s.Memory.Raw) == 0 {
		t.Errorf("memory usage: %+v, %d raw", s.Memory.Usage, len(s.Memory.Raw))
	}
	if s.Pids.Current != 1 || s.Pids.Limit != 50 {
		t.Errorf("pids: %+v", s.Pids)
	}
	if len(s.CPUSet.CPUs) == 0 {
		t.Errorf("cpuset: %+v", s.CPUSet)
	}

	// The JSON has runc's events shape.
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"cpu.usage", "cpu.throttling", "memory.usage", "memory.raw", "pids.current", "pids.limit", "cpuset.cpus"} {
		top, sub, _ := strings.Cut(key, ".")
		if _, ok := doc[top][sub]; !ok {
			t.Errorf("stats JSON lacks %s: %s", key, b)
		}
	}
	usage := doc["cpu"]["usage"].(map[string]any)
	for _, k := range []string{"total", "percpu", "kernel", "user"} {
		if _, ok := usage[k]; !ok {
			t.Errorf("cpu.usage lacks %q: %v", k, usage)
		}
	}
}

func TestDestroy(t *testing.T) {
	needRoot(t)
	mgr, err := New(testPath(t)+"/nested", "")
	if err != nil {
		t.Fatal(err)
	}
	m := mgr.(*manager)
	if err := m.Create(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // the parent Create made along the way
		for _, d := range m.dirs {
			os.Remove(filepath.Dir(d.path))
		}
	})
	// A process that was just killed still holds the cgroup for a moment:
	// Destroy waits for it.
	g := startGated(t, "exec sleep 60")
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.cmd.Process.Kill()
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, p := range m.Paths() {
		if dirExists(p) {
			t.Errorf("Destroy left %s", p)
		}
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("Destroy of a removed cgroup: %v", err)
	}
}

func TestPathResolution(t *testing.T) {
	needRoot(t)
	h, err := currentHost()
	if err != nil {
		t.Fatal(err)
	}
	self, err := readSelfCgroups()
	if err != nil {
		t.Fatal(err)
	}
	name := strings.TrimPrefix(testPath(t), "/")
	cases := []struct {
		cgroupsPath, id string
		want            func(h *hierarchy, own string) string
	}{
		{"/" + name, "", func(h *hierarchy, _ string) string { return filepath.Join(h.mountpoint, name) }},
		{"", name, func(h *hierarchy, _ string) string { return filepath.Join(h.mountpoint, name) }},
		{name, "", func(h *hierarchy, own string) string { return filepath.Join(h.mountpoint, own, name) }},
		{"../" + name, "", func(h *hierarchy, own string) string { return filepath.Join(h.mountpoint, own, name) }},
	}
	for _, c := range cases {
		mgr, err := New(c.cgroupsPath, c.id)
		if err != nil {
			t.Fatalf("New(%q, %q): %v", c.cgroupsPath, c.id, err)
		}
		m := mgr.(*manager)
		if err := m.Create(nil); err != nil {
			t.Fatalf("Create at %q: %v", c.cgroupsPath, err)
		}
		for key, dir := range m.Paths() {
			hier := h.hierarchyFor(key)
			if want := c.want(hier, self[key]); dir != want {
				t.Errorf("New(%q, %q): %q -> %s, want %s", c.cgroupsPath, c.id, key, dir, want)
			}
		}
		if err := m.Destroy(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadRoundTrip(t *testing.T) {
	m := created(t, nil)
	loaded, err := Load(m.Paths())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := loaded.Paths(), m.Paths(); !mapsEqual(got, want) {
		t.Errorf("Load(Paths()).Paths() = %v, want %v", got, want)
	}
	if loaded.Version() != m.Version() {
		t.Errorf("Version %d, want %d", loaded.Version(), m.Version())
	}
	if err := loaded.Set(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: ptr[int64](7)}}); err != nil {
		t.Fatal(err)
	}
	wantFile(t, m.v1["pids"].path, "pids.max", "7")

	if _, err := Load(map[string]string{"memory": "/etc"}); err == nil {
		t.Error("Load accepted a path outside the cgroup mounts")
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
