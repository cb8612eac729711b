package oci_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// startSleeper creates and starts a container running `sleep 100` and
// returns its init's host pid.
func startSleeper(t *testing.T, e *env, id string) int {
	t.Helper()
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, id)
	e.mustRun("start", id)
	return int(e.state(id)["pid"].(float64))
}

// exec joins every namespace of the container: the exec'd process sees the
// same mount, pid, uts, ipc and net namespaces as init, and init's cgroup.
func TestExecJoinsNamespacesAndCgroup(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Hostname = "exechost"
	pid := startSleeper(t, e, "x1")

	out := e.mustRun("exec", "x1", "sh", "-c", "hostname; echo $$; cat /proc/self/cgroup; for n in mnt pid uts ipc net; do readlink /proc/self/ns/$n; done")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "exechost" {
		t.Errorf("hostname %q, want exechost", lines[0])
	}
	if n, err := strconv.Atoi(lines[1]); err != nil || n == 1 || n > 100 {
		t.Errorf("exec'd pid %q: want a small pid of the container's namespace, not 1", lines[1])
	}
	for _, ns := range []string{"mnt", "pid", "uts", "ipc", "net"} {
		want, err := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "ns", ns))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, want) {
			t.Errorf("namespace %s: exec'd process is not in init's %s", ns, want)
		}
	}
	// Both read inside the container, through the same cgroup namespace.
	self := e.mustRun("exec", "x1", "cat", "/proc/self/cgroup")
	if initCgroup := e.mustRun("exec", "x1", "cat", "/proc/1/cgroup"); self != initCgroup {
		t.Errorf("cgroups: init is in\n%s\nthe exec'd process in\n%s", initCgroup, self)
	}
}

// exec reports the process's exit status as its own, and takes --env,
// --cwd and --user as runc does.
func TestExecFlagsAndExitStatus(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	startSleeper(t, e, "x2")

	if _, _, code := e.run("exec", "x2", "sh", "-c", "exit 3"); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
	out := e.mustRun("exec", "--env", "GREETING=hi", "--cwd", "/tmp", "--user", "65534:65534",
		"x2", "sh", "-c", "echo $GREETING $(pwd) $(id -u):$(id -g)")
	if got := strings.TrimSpace(out); got != "hi /tmp 65534:65534" {
		t.Errorf("got %q, want %q", got, "hi /tmp 65534:65534")
	}
	if _, errOut, code := e.run("exec", "x2", "/no/such/program"); code == 0 || !strings.Contains(errOut, "no such") {
		t.Errorf("missing program: exit %d, %q", code, errOut)
	}
}

// exec --process takes a whole process.json; --detach returns at once and
// --pid-file names the process.
func TestExecProcessFileDetached(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	startSleeper(t, e, "x3")
	p := *e.spec.Process
	p.Args = []string{"sh", "-c", "echo from-process-file > /dev/shm/out; sleep 100"}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	procFile := filepath.Join(dir, "process.json")
	if err := os.WriteFile(procFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(dir, "exec.pid")
	e.mustRun("exec", "--detach", "--pid-file", pidFile, "--process", procFile, "x3")
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil || pid <= 0 {
		t.Fatalf("pid file %q", raw)
	}
	waitFor(t, func() bool {
		out, _, _ := e.run("exec", "x3", "cat", "/dev/shm/out")
		return strings.TrimSpace(out) == "from-process-file"
	})
	out := e.mustRun("ps", "--format", "json", "x3")
	var pids []int
	if err := json.Unmarshal([]byte(out), &pids); err != nil {
		t.Fatalf("ps --format json: %v: %q", err, out)
	}
	found := false
	for _, p := range pids {
		found = found || p == pid
	}
	if !found || len(pids) != 2 {
		t.Errorf("ps: %v, want init and the exec'd process %d", pids, pid)
	}
}

// exec into a container that is not running is refused with one line.
func TestExecStoppedContainer(t *testing.T) {
	e := newEnv(t, "true")
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, "x4")
	e.mustRun("start", "x4")
	waitFor(t, func() bool { return e.state("x4")["status"] == "stopped" })
	_, errOut, code := e.run("exec", "x4", "true")
	if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "stopped") {
		t.Fatalf("exec into a stopped container: exit %d, %q", code, errOut)
	}
}
