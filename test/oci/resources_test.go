package oci_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// pause freezes every process of the container (status "paused", the
// freezer holds them) and resume thaws them.
func TestPauseResume(t *testing.T) {
	e := newEnv(t, "sh", "-c", "while true; do echo tick >> /dev/shm/ticks; sleep 0.05; done")
	startSleeper(t, e, "p1")

	e.mustRun("pause", "p1")
	if st := e.state("p1")["status"]; st != "paused" {
		t.Fatalf("after pause: status %v", st)
	}
	if _, errOut, code := e.run("exec", "p1", "true"); code == 0 {
		t.Errorf("exec into a paused container succeeded: %q", errOut)
	}
	if _, _, code := e.run("delete", "p1"); code == 0 {
		t.Error("delete of a paused container succeeded without --force")
	}
	e.mustRun("resume", "p1")
	if st := e.state("p1")["status"]; st != "running" {
		t.Fatalf("after resume: status %v", st)
	}
	// The loop goes on after the thaw.
	count := func() int {
		out := e.mustRun("exec", "p1", "wc", "-l", "/dev/shm/ticks")
		n, _ := strconv.Atoi(strings.Fields(out)[0])
		return n
	}
	before := count()
	waitFor(t, func() bool { return count() > before })
	if _, errOut, code := e.run("resume", "p1"); code == 0 || !strings.Contains(errOut, "running") {
		t.Errorf("resume of a running container: exit %d, %q", code, errOut)
	}
}

// update changes the cgroup limits of a running container, from single
// flags and from a resources file on stdin.
func TestUpdateLimits(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	startSleeper(t, e, "u1")
	e.mustRun("update", "--memory", "64M", "--pids-limit", "42", "--cpu-quota", "50000", "--cpu-period", "100000", "u1")
	read := func(path string) string {
		t.Helper()
		return strings.TrimSpace(e.mustRun("exec", "u1", "cat", path))
	}
	if got := read("/sys/fs/cgroup/memory/memory.limit_in_bytes"); got != "67108864" {
		t.Errorf("memory limit %s, want 67108864", got)
	}
	if got := read("/sys/fs/cgroup/pids/pids.max"); got != "42" {
		t.Errorf("pids.max %s, want 42", got)
	}
	if got := read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"); got != "50000" {
		t.Errorf("cpu quota %s, want 50000", got)
	}
	res := `{"pids": {"limit": 7}}`
	if _, errOut, code := e.runIn(strings.NewReader(res), "update", "--resources", "-", "u1"); code != 0 {
		t.Fatalf("update --resources -: %s", errOut)
	}
	if got := read("/sys/fs/cgroup/pids/pids.max"); got != "7" {
		t.Errorf("pids.max %s after --resources, want 7", got)
	}
	// What was not named stays as it was.
	if got := read("/sys/fs/cgroup/memory/memory.limit_in_bytes"); got != "67108864" {
		t.Errorf("memory limit %s after a pids-only update, want 67108864", got)
	}
	if _, errOut, code := e.run("update", "--memory", "lots", "u1"); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Errorf("bad --memory: exit %d, %q", code, errOut)
	}
}

// events --stats prints one JSON stats record with the cgroup's figures.
func TestEventsStats(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	startSleeper(t, e, "ev1")
	out := e.mustRun("events", "--stats", "ev1")
	var ev struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Data struct {
			Pids struct {
				Current uint64 `json:"current"`
			} `json:"pids"`
			Memory struct {
				Usage struct {
					Usage uint64 `json:"usage"`
				} `json:"usage"`
			} `json:"memory"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("events --stats: %v: %q", err, out)
	}
	if ev.Type != "stats" || ev.ID != "ev1" || ev.Data.Pids.Current != 1 || ev.Data.Memory.Usage.Usage == 0 {
		t.Errorf("stats event %+v from %s", ev, out)
	}
}

// events reports the kernel's OOM killer acting in the container, as an
// "oom" line between the periodic stats.
func TestEventsOOM(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	limit := int64(16 << 20)
	e.spec.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}}
	startSleeper(t, e, "oom1")
	out := e.tempFile()
	events := exec.Command(hullOCI, "--root", e.root, "events", "--interval", "100ms", "oom1")
	events.Stdout = out
	if err := events.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { events.Process.Kill(); events.Wait() }()
	// A shell that grows past the limit: the OOM killer ends it.
	e.run("exec", "oom1", "sh", "-c", `x=a; while true; do x="$x$x"; done`)
	waitFor(t, func() bool {
		data, _ := os.ReadFile(out.Name())
		return strings.Contains(string(data), `{"type":"oom","id":"oom1"}`)
	})
}
