package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// TestDetachedSurvivesCaller: the process that called Start is killed
// with SIGKILL; the container and its monitor go on, the monitor a child
// of neither.
func TestDetachedSurvivesCaller(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo up; read x")
	cfg.OpenStdin = true
	env, _ := json.Marshal(map[string]any{"Binary": monitorBin, "Config": cfg})
	caller := exec.Command(os.Args[0])
	caller.Env = append(os.Environ(), "HULL_MONITOR_TEST_CALLER="+string(env))
	out, err := caller.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := caller.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "started\n" {
		caller.Process.Kill()
		caller.Wait()
		t.Fatalf("caller said %q", line)
	}
	caller.Process.Kill()
	caller.Wait()

	st, err := ReadState(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Status != StatusRunning || !st.MonitorAlive {
		t.Fatalf("after the caller died: %+v", st)
	}
	if ppid := parentPid(t, st.MonitorPid); ppid == caller.Process.Pid || ppid == os.Getpid() {
		t.Errorf("monitor's parent is %d, its caller", ppid)
	}
	if sid, _ := unix.Getsid(st.MonitorPid); sid == func() int { s, _ := unix.Getsid(0); return s }() {
		t.Errorf("monitor is in the test's session %d", sid)
	}
	// It still serves: input reaches the container, which then exits.
	a, err := Dial(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	code, err := a.Stream(context.Background(), strings.NewReader("bye\n"), nil, nil)
	if err != nil || code != 0 {
		t.Fatalf("Stream = %d, %v", code, err)
	}
	if o, _ := readLog(t, cfg); o != "up\n" {
		t.Errorf("log %q", o)
	}
}

// TestCreateFailure: the runtime's message comes back verbatim, and
// nothing is left: no runtime state, no cgroup (checked by cleanup), no
// monitor process, no socket.
func TestCreateFailure(t *testing.T) {
	cfg := newConfig(t, "/nope")
	_, err := Start(monitorBin, cfg, true)
	if err == nil {
		t.Fatal("Start succeeded")
	}
	if want := `exec: "/nope": stat /nope: no such file or directory`; !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q, want it to contain %q", err, want)
	}
	if _, err := os.Stat(filepath.Join(cfg.RuntimeRoot, cfg.ID)); !os.IsNotExist(err) {
		t.Errorf("runtime state left: %v", err)
	}
	for _, f := range []string{socketFile, configFile, stateFile} {
		if _, err := os.Stat(filepath.Join(cfg.Dir, f)); !os.IsNotExist(err) {
			t.Errorf("%s left: %v", f, err)
		}
	}
	eventually(t, "the monitor to exit", func() bool { return len(processesIn(cfg.Dir)) == 0 })
	if _, err := ReadState(cfg.Dir); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("ReadState = %v, want not found", err)
	}
	if st, err := WaitExit(context.Background(), cfg.Dir); st != nil || err != nil {
		t.Errorf("WaitExit = %+v, %v; want nothing", st, err)
	}
}

// TestMonitorKilled: a monitor killed with SIGKILL leaves the log readable
// up to its last line, and its state says it is gone.
func TestMonitorKilled(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo one; echo two; sleep 100")
	start(t, cfg, false)
	eventually(t, "output", func() bool { o, _ := readLog(t, cfg); return o == "one\ntwo\n" })
	st, err := ReadState(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	unix.Kill(st.MonitorPid, unix.SIGKILL)
	st = waitExit(t, cfg)
	if st.MonitorAlive || st.Status != StatusRunning {
		t.Fatalf("state after kill -9: %+v", st)
	}
	if o, _ := readLog(t, cfg); o != "one\ntwo\n" {
		t.Errorf("log after kill -9: %q", o)
	}
	if err := MarkStopping(cfg.Dir); err != nil {
		t.Errorf("MarkStopping without a monitor: %v", err)
	}
	if _, err := Dial(cfg.Dir); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("Dial without a monitor: %v", err)
	}
}

func TestOnExit(t *testing.T) {
	cfg := newConfig(t, "true")
	mark := filepath.Join(cfg.Dir, "on-exit-ran")
	cfg.OnExit = []string{"/bin/sh", "-c", "cat " + filepath.Join(cfg.Dir, stateFile) + " > " + mark}
	start(t, cfg, false)
	waitExit(t, cfg)
	var st State
	eventually(t, "the on-exit command", func() bool {
		data, err := os.ReadFile(mark)
		return err == nil && json.Unmarshal(data, &st) == nil
	})
	if st.Status != StatusExited {
		t.Errorf("on-exit command saw %+v, want the final state", st)
	}
}

func TestRestartOnFailure(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo run; exit 2")
	cfg.Restart = RestartPolicy{Name: "on-failure", MaxRetries: 2}
	start(t, cfg, false)
	st := waitExit(t, cfg)
	if st.Status != StatusExited || st.ExitCode != 2 || st.RestartCount != 2 {
		t.Fatalf("state %+v, want exited with 2 after 2 restarts", st)
	}
	if o, _ := readLog(t, cfg); o != "run\nrun\nrun\n" {
		t.Errorf("log %q, want three runs", o)
	}
	var actions []string
	for _, ev := range readEvents(t, cfg) {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); got != "die start die start die" {
		t.Errorf("events %q", got)
	}
}

// TestRestartAlwaysUntilStopped: "always" restarts a container that exits
// cleanly, until MarkStopping; stopped during the back-off, it stays
// stopped.
func TestRestartAlwaysUntilStopped(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo run; sleep 0.3")
	cfg.Restart = RestartPolicy{Name: "always"}
	start(t, cfg, false)
	eventually(t, "two restarts", func() bool {
		st, err := ReadState(cfg.Dir)
		return err == nil && st.RestartCount >= 2
	})
	if err := MarkStopping(cfg.Dir); err != nil {
		t.Fatal(err)
	}
	st := waitExit(t, cfg)
	if st.Status != StatusExited || st.ExitCode != 0 {
		t.Fatalf("state %+v", st)
	}
	runs := strings.Count(func() string { o, _ := readLog(t, cfg); return o }(), "run\n")
	if runs != st.RestartCount+1 {
		t.Errorf("%d runs logged, %d restarts recorded", runs, st.RestartCount)
	}
}

// TestRestartStoppedWhileRunning: MarkStopping, then a signal, as `hull
// stop` does: the container is not restarted.
func TestRestartStoppedWhileRunning(t *testing.T) {
	cfg := newConfig(t, "sleep", "100")
	cfg.Restart = RestartPolicy{Name: "always"}
	start(t, cfg, false)
	if err := MarkStopping(cfg.Dir); err != nil {
		t.Fatal(err)
	}
	killContainer(t, cfg)
	st := waitExit(t, cfg)
	if st.Status != StatusExited || st.ExitCode != 137 || st.RestartCount != 0 {
		t.Fatalf("state %+v", st)
	}
}

func TestOOMKilled(t *testing.T) {
	cfg := newConfig(t)
	limit := int64(16 << 20)
	writeSpec(t, cfg, func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", "head -c 200000000 /dev/zero | tail"}
		s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}}
	})
	start(t, cfg, false)
	st := waitExit(t, cfg)
	if !st.OOMKilled {
		t.Fatalf("state %+v, want OOMKilled", st)
	}
	var actions []string
	for _, ev := range readEvents(t, cfg) {
		actions = append(actions, ev.Action)
	}
	if got := strings.Join(actions, " "); got != "oom die" {
		t.Errorf("events %q", got)
	}
}

// TestSlowAttachmentDropped: an attachment that never reads must not hold
// the container back.
func TestSlowAttachmentDropped(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "head -c 12000000 /dev/zero | tr '\\0' x; echo")
	a := start(t, cfg, true)
	st := waitExit(t, cfg)
	if st.ExitCode != 0 {
		t.Fatalf("state %+v", st)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := a.Stream(ctx, nil, nil, nil); err == nil {
		t.Error("the slow attachment got the exit code; it should have been dropped")
	}
	if o, _ := readLog(t, cfg); len(o) != 12000001 {
		t.Errorf("logged %d bytes, want 12000001", len(o))
	}
}

func TestWaitExitCancelled(t *testing.T) {
	cfg := newConfig(t, "sleep", "100")
	start(t, cfg, false)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := WaitExit(ctx, cfg.Dir)
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitExit = %v, want context.Canceled", err)
	}
	MarkStopping(cfg.Dir)
	killContainer(t, cfg)
	waitExit(t, cfg)
}

// TestNoLogAndSecondStart: without a log path nothing is logged (the
// attachment still sees the output), and a second monitor for a running
// container is refused.
func TestNoLogAndSecondStart(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo hi; read x")
	cfg.Log.Path = ""
	cfg.OpenStdin = true
	a := start(t, cfg, true)
	if _, err := Start(monitorBin, cfg, false); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("second Start: %v, want a conflict", err)
	}
	var out strings.Builder
	code, err := a.Stream(context.Background(), strings.NewReader("\n"), &out, nil)
	if err != nil || code != 0 || out.String() != "hi\n" {
		t.Fatalf("Stream = %d, %v, %q", code, err, out.String())
	}
	entries, _ := os.ReadDir(cfg.Dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".log") && e.Name() != logFile && e.Name() != "events.log" {
			t.Errorf("log file %s written", e.Name())
		}
	}
}

// An attached client that removes the container (`hull run --rm`) and did
// so spares the monitor its on-exit command; one that did not gets it run
// after a grace period.
func TestOnExitLeftToRemovingClient(t *testing.T) {
	for _, removes := range []bool{true, false} {
		t.Run(fmt.Sprintf("removes=%v", removes), func(t *testing.T) {
			cfg := newConfig(t, "true")
			// The runtime's state lives apart, as the engine keeps it,
			// since the client removes the whole directory.
			cfg.RuntimeRoot = filepath.Join(t.TempDir(), "runtime")
			mark := filepath.Join(t.TempDir(), "on-exit-ran")
			cfg.OnExit = []string{"/bin/sh", "-c", "touch " + mark}
			cfg.FirstClientRemoves = true
			a := start(t, cfg, true)
			if code, err := a.Stream(context.Background(), nil, io.Discard, io.Discard); err != nil || code != 0 {
				t.Fatalf("Stream: %d, %v", code, err)
			}
			st, err := ReadState(cfg.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if !removes {
				eventually(t, "the on-exit command", func() bool { _, err := os.Stat(mark); return err == nil })
				return
			}
			if err := os.RemoveAll(cfg.Dir); err != nil {
				t.Fatal(err)
			}
			eventually(t, "the monitor to exit", func() bool { return unix.Kill(st.MonitorPid, 0) != nil })
			if _, err := os.Stat(mark); err == nil {
				t.Error("the on-exit command ran although the client removed the container")
			}
		})
	}
}
