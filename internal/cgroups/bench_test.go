package cgroups

import (
	"os/exec"
	"strconv"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// typicalResources is what a container start usually asks for: a memory
// and pids limit, CPU shares and the default device allowlist.
func typicalResources() *specs.LinuxResources {
	r := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: ptr[int64](512 * mib)},
		CPU:    &specs.LinuxCPU{Shares: ptr[uint64](1024)},
		Pids:   &specs.LinuxPids{Limit: ptr[int64](1024)},
		Devices: []specs.LinuxDeviceCgroup{
			denyAll, charRule(true, -1, -1, "m"), {Allow: true, Type: "b", Access: "m"},
		},
	}
	for _, d := range [][2]int64{{1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}, {136, -1}, {10, 200}} {
		r.Devices = append(r.Devices, charRule(true, d[0], d[1], "rwm"))
	}
	return r
}

// BenchmarkStart measures what a container start costs here: New, Create
// with typical limits and Apply of a process, on every hierarchy. Destroy
// (after moving the process out again) is not timed.
func BenchmarkStart(b *testing.B) {
	needRoot(b)
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r := typicalResources()
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		m, err := New(testPath(b), "")
		if err == nil {
			err = m.Create(r)
		}
		if err == nil {
			err = m.Apply(cmd.Process.Pid)
		}
		total += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		for _, d := range m.(*manager).dirs { // back to the root cgroups
			writeFile(d.h.mountpoint, "cgroup.procs", strconv.Itoa(cmd.Process.Pid))
		}
		if err := m.Destroy(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/start")
}
