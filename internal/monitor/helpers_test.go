package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/events"
	"github.com/hullrt/hull/internal/logs"
	"github.com/hullrt/hull/internal/runtime"
)

// The monitor binary and a busybox root filesystem, made once by TestMain
// and shared (read-only) by every test's bundle.
var (
	monitorBin string
	rootfs     string
	seq        atomic.Int32
)

// testCgroupParent holds the tests' containers' cgroups, so that a test can
// check none is left behind.
const testCgroupParent = "/hull-monitor-test"

func TestMain(m *testing.M) {
	if env := os.Getenv("HULL_MONITOR_TEST_CALLER"); env != "" {
		startAndHang(env)
	}
	if os.Geteuid() != 0 {
		os.Exit(m.Run()) // every test skips
	}
	tmp, err := os.MkdirTemp("", "hull-monitor-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if err = setup(tmp); err == nil {
		code = m.Run()
	} else {
		fmt.Fprintln(os.Stderr, err)
	}
	os.RemoveAll(tmp)
	for _, h := range []string{"memory", "pids", "cpu,cpuacct", "freezer", "devices", "blkio", "cpuset", "systemd", "unified"} {
		os.Remove("/sys/fs/cgroup/" + h + testCgroupParent)
	}
	os.Exit(code)
}

// setup builds hull-monitor (or takes the one HULL_MONITOR_BINARY names,
// such as the static build, to measure it) and the root filesystem.
func setup(tmp string) error {
	rootfs = filepath.Join(tmp, "rootfs")
	if monitorBin = os.Getenv("HULL_MONITOR_BINARY"); monitorBin != "" {
		return makeRootfs(rootfs)
	}
	monitorBin = filepath.Join(tmp, "hull-monitor")
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(goruntime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "build", "-o", monitorBin, "github.com/hullrt/hull/cmd/hull-monitor").CombinedOutput()
	if err != nil {
		return fmt.Errorf("building hull-monitor: %v\n%s", err, out)
	}
	return makeRootfs(rootfs)
}

// makeRootfs makes a root filesystem of the host's static busybox, as
// scripts/busybox-bundle.sh does.
func makeRootfs(dir string) error {
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("tests need busybox-static: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		return err
	}
	list, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return err
	}
	for _, applet := range strings.Fields(string(list)) {
		os.Symlink("busybox", filepath.Join(dir, "bin", applet))
	}
	return os.WriteFile(filepath.Join(dir, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644)
}

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// newConfig makes a bundle running args and returns the Config a monitor
// needs for it; the test's cleanup makes sure nothing of it outlives the
// test. The bundle and the container's directory are one, as the engine
// makes them.
func newConfig(t testing.TB, args ...string) Config {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	id := fmt.Sprintf("mon-%d-%d", os.Getpid(), seq.Add(1))
	cfg := Config{
		ID: id, Name: "test-" + id, Image: "busybox", Bundle: dir, Dir: dir,
		RuntimeRoot: filepath.Join(dir, "runtime"),
		Log:         logs.Config{Path: filepath.Join(dir, id+"-json.log")},
		Events:      filepath.Join(dir, "events", "events.log"),
	}
	writeSpec(t, cfg, func(s *specs.Spec) { s.Process.Args = args })
	t.Cleanup(func() { cleanup(t, cfg) })
	return cfg
}

// writeSpec writes the bundle's config.json: the runtime's example spec,
// changed by edit.
func writeSpec(t testing.TB, cfg Config, edit func(*specs.Spec)) {
	t.Helper()
	s := runtime.ExampleSpec(false)
	s.Root.Path = rootfs
	s.Process.Terminal = false
	s.Process.Env = append(s.Process.Env, "HOME=/root")
	s.Linux.CgroupsPath = testCgroupParent + "/" + cfg.ID
	edit(s)
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Bundle, "config.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// cleanup stops whatever a test left running and checks that nothing of
// the container remains.
func cleanup(t testing.TB, cfg Config) {
	data, _ := os.ReadFile(filepath.Join(cfg.Dir, logFile))
	if bytes.Contains(data, []byte("DATA RACE")) || bytes.Contains(data, []byte("panic:")) {
		t.Errorf("the monitor crashed or raced")
	}
	if t.Failed() && len(data) > 0 {
		t.Logf("monitor log:\n%s", data)
	}
	st, err := ReadState(cfg.Dir)
	if err == nil && st.MonitorAlive {
		MarkStopping(cfg.Dir)
		unix.Kill(st.MonitorPid, unix.SIGKILL)
	}
	rt, _ := runtime.New(cfg.RuntimeRoot)
	if c, err := rt.Load(cfg.ID); err == nil {
		c.Delete(true)
	}
	if _, err := os.Stat("/sys/fs/cgroup/memory" + testCgroupParent + "/" + cfg.ID); err == nil {
		t.Errorf("cgroup of %s left behind", cfg.ID)
	}
}

// start starts cfg's monitor and fails the test if it cannot.
func start(t *testing.T, cfg Config, attach bool) *Attachment {
	t.Helper()
	a, err := Start(monitorBin, cfg, attach)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if a != nil {
		t.Cleanup(func() { a.Close() })
	}
	return a
}

// waitExit waits for the container's final exit, for at most a minute.
func waitExit(t *testing.T, cfg Config) *State {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := WaitExit(ctx, cfg.Dir)
	if err != nil {
		t.Fatalf("WaitExit: %v", err)
	}
	if st == nil {
		t.Fatal("WaitExit: no state")
	}
	return st
}

// readLog returns the container's logged output, by stream.
func readLog(t *testing.T, cfg Config) (stdout, stderr string) {
	t.Helper()
	var o, e strings.Builder
	err := logs.Read(context.Background(), cfg.Log, logs.ReadOptions{Tail: -1}, func(en logs.Entry) error {
		if en.Stream == "stderr" {
			e.Write(en.Line)
		} else {
			o.Write(en.Line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String()
}

// readEvents returns the events recorded in the journal.
func readEvents(t *testing.T, cfg Config) []events.Event {
	t.Helper()
	j, err := events.Open(cfg.Events)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var out []events.Event
	err = j.Read(context.Background(), events.ReadOptions{}, func(ev events.Event) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// eventually polls cond until it holds, for at most 30 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// killContainer sends SIGKILL to the container's init (from outside: init
// is pid 1 of its namespace, which ignores signals it does not handle from
// inside).
func killContainer(t *testing.T, cfg Config) {
	t.Helper()
	rt, err := runtime.New(cfg.RuntimeRoot)
	if err != nil {
		t.Fatal(err)
	}
	c, err := rt.Load(cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Signal(unix.SIGKILL, false); err != nil {
		t.Fatal(err)
	}
}

// startAndHang is the test binary as a short-lived caller of Start (see
// TestDetachedSurvivesCaller): it starts the monitor the environment
// describes, says so, and waits to be killed.
func startAndHang(env string) {
	var args struct {
		Binary string
		Config Config
	}
	if err := json.Unmarshal([]byte(env), &args); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	if _, err := Start(args.Binary, args.Config, false); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("started")
	select {}
}

// parentPid returns the parent of pid, from /proc/PID/stat.
func parentPid(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	var ppid int
	fmt.Sscan(fields[1], &ppid)
	return ppid
}

// processesIn returns the pids whose command line mentions s.
func processesIn(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscan(e.Name(), &pid); err != nil {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(cmd), s) {
			pids = append(pids, pid)
		}
	}
	return pids
}
