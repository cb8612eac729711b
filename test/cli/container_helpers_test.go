package cli_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The container tests need the engine's helper programs beside the hull
// under test, where the engine looks for them.
var (
	helpersOnce sync.Once
	helpersErr  error
)

// buildHelpers builds hull-monitor and hull-init into hull's directory.
func buildHelpers() {
	dir := filepath.Dir(hullBin)
	// hull-init is C run from a constructor; static, as images have no
	// libc to offer it.
	static := []string{"-ldflags", "-linkmode external -extldflags -static"}
	for _, b := range []struct {
		name, pkg string
		flags     []string
	}{
		{"hull-monitor", "./cmd/hull-monitor", nil},
		{"hull-init", "./cmd/hull-init", static},
	} {
		if _, err := os.Stat(filepath.Join("../..", b.pkg, "main.go")); err != nil {
			helpersErr = fmt.Errorf("%s does not exist yet", b.pkg)
			return
		}
		args := append(append([]string{"build"}, b.flags...), "-o", filepath.Join(dir, b.name), b.pkg)
		cmd := exec.Command("go", args...)
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/local/go/bin")
		if out, err := cmd.CombinedOutput(); err != nil {
			helpersErr = fmt.Errorf("building %s: %v\n%s", b.name, err, out)
			return
		}
	}
}

// engineRoot returns a fresh root, on a short path, holding the busybox
// image as "busybox" (CMD sh). When the test ends every container in it is
// removed with `hull rm -f`, and the test fails if anything the containers
// had is left: a mount under the root, a cgroup, a process.
func engineRoot(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("containers need root")
	}
	if busyboxTar == "" {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	helpersOnce.Do(buildHelpers)
	if helpersErr != nil {
		t.Skipf("container tests need hull-monitor and hull-init: %v", helpersErr)
	}
	root, err := os.MkdirTemp("", "hc")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeRoot(t, root) })
	ok(t, root, "import", "--change", `CMD ["sh"]`, busyboxTar, "busybox")
	return root
}

// removeRoot removes every container, checks that nothing of them is
// left, and deletes the root.
func removeRoot(t *testing.T, root string) {
	ids := lines(hull(t, root, nil, "ps", "-aq", "--no-trunc").stdout)
	if len(ids) > 0 {
		if r := hull(t, root, nil, append([]string{"rm", "-f", "-v"}, ids...)...); r.code != 0 {
			t.Errorf("rm -f at the end of the test: exit %d: %s", r.code, r.stderr)
		}
	}
	for _, id := range ids {
		assertGone(t, root, id)
	}
	// The networks' host side (bridges, rules) goes too; it would only be
	// collected at some later bring-up once the root is gone.
	hull(t, root, nil, "network", "prune", "-f")
	// Unmount whatever a failure left, so that removing the root cannot
	// reach through a mount.
	for _, m := range mountsUnder(root) {
		unix.Unmount(m, unix.MNT_DETACH)
	}
	os.RemoveAll(root)
}

// assertGone fails the test if container id left a mount under root, a
// cgroup, or a process in its cgroup.
func assertGone(t *testing.T, root, id string) {
	t.Helper()
	if ms := mountsUnder(root); len(ms) > 0 {
		t.Errorf("mounts left under %s after removing %s: %v", root, id[:12], ms)
	}
	for _, ctl := range []string{"memory", "pids", "freezer", "cpu,cpuacct"} {
		if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", ctl, "hull", id)); err == nil {
			t.Errorf("cgroup %s/hull/%s left after rm", ctl, id[:12])
		}
	}
}

// mountsUnder lists the mount points below dir in hull's mount namespace,
// deepest first.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, fields[4])
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(out)))
	return out
}

// run runs hull and returns its trimmed stdout, failing the test unless it
// exits 0.
func run(t *testing.T, root string, args ...string) string {
	t.Helper()
	return strings.TrimSpace(ok(t, root, args...))
}

// inspect reads one field of a container with a --format template.
func inspect(t *testing.T, root, ctr, tmpl string) string {
	t.Helper()
	return run(t, root, "inspect", "-f", tmpl, ctr)
}

// eventually polls cond until it holds, failing the test after a deadline
// far longer than the condition needs: the wait is for an event, not a
// measurement.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// procStat is a host process as /proc/PID/stat has it.
type procStat struct {
	pid, ppid int
	state     string
}

// children lists the host processes whose parent is pid.
func children(pid int) []procStat {
	ents, _ := os.ReadDir("/proc")
	var out []procStat
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces, not ")".
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
		f := strings.Fields(rest)
		ppid, _ := strconv.Atoi(f[1])
		if ppid == pid {
			out = append(out, procStat{pid: n, ppid: ppid, state: f[0]})
		}
	}
	return out
}

// processAlive reports whether pid exists (and is not a zombie).
func processAlive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
	return !strings.HasPrefix(rest, "Z")
}

// monitorPid reads the pid of a container's monitor from the state file
// it keeps in the container's directory.
func monitorPid(t *testing.T, root, id string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "containers", id, "state.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		MonitorPid int `json:"monitorPid"`
	}
	if err := json.Unmarshal(b, &st); err != nil || st.MonitorPid == 0 {
		t.Fatalf("no monitor pid in state.json: %v %s", err, b)
	}
	return st.MonitorPid
}

// started starts hull in the background (for run, attach and logs -f,
// which block) and returns the command and a function that reads what it
// has printed so far.
func started(t *testing.T, root string, args ...string) (*exec.Cmd, func() string) {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "output"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(hullBin, append([]string{"--root", root}, args...)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, func() string {
		b, _ := os.ReadFile(out.Name())
		return string(b)
	}
}

// exitCode waits for cmd and returns its exit status.
func exitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}
