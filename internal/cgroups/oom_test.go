package cgroups

import (
	"slices"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestOOMEvents(t *testing.T) {
	m := created(t, &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: ptr[int64](16 * mib), Swap: ptr[int64](16 * mib)}})
	w, err := m.OOMEvents()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// tail keeps the last line of its input in memory, and /dev/zero has
	// no line breaks: it grows until the OOM killer stops it.
	g := startGated(t, "exec tail /dev/zero")
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.open()
	select {
	case _, ok := <-w.C:
		if !ok {
			t.Fatal("C closed before the OOM kill")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no OOM event")
	}
	g.cmd.Wait()
	if ws, ok := g.cmd.ProcessState.Sys().(interface{ Signal() unix.Signal }); ok && ws.Signal() != unix.SIGKILL {
		t.Errorf("the hog ended with %v, want SIGKILL", g.cmd.ProcessState)
	}

	// Removing the cgroup ends the watch.
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-w.C:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("C still open after the cgroup was removed")
		}
	}
}

func TestOOMWatchClose(t *testing.T) {
	m := created(t, nil)
	w, err := m.OOMEvents()
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-w.C; ok {
		t.Error("C delivered after Close")
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestHugetlb sets a hugepage limit wherever the host keeps hugetlb: a v1
// hierarchy, or the cgroup2 mount of a hybrid host (then it gives the
// controller back as it found it).
func TestHugetlb(t *testing.T) {
	needRoot(t)
	h, err := currentHost()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(hugePageSizes(), "2MB") {
		t.Skip("no 2MB hugepages")
	}
	var before string
	if h.v2 != nil {
		before = readCg(t, h.v2.mountpoint, "cgroup.subtree_control")
	}
	m := created(t, &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 * mib}}})
	if d, ok := m.v1["hugetlb"]; ok {
		wantFile(t, d.path, "hugetlb.2MB.limit_in_bytes", "4194304")
	} else {
		t.Cleanup(func() { // runs after the cgroup's removal
			if !strings.Contains(before, "hugetlb") {
				writeFile(h.v2.mountpoint, "cgroup.subtree_control", "-hugetlb")
			}
		})
		wantFile(t, m.v2.path, "hugetlb.2MB.max", "4194304")
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Hugetlb["2MB"]; !ok {
		t.Errorf("stats lack the 2MB hugetlb entry: %+v", s.Hugetlb)
	}
}
