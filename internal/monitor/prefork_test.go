package monitor

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A monitor started ahead runs the container it is then given, attached,
// with all of its output and its exit code.
func TestPreforkedMonitorRunsContainer(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo early; exit 3")
	p, err := Prefork(monitorBin, true)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Abandon()
	time.Sleep(20 * time.Millisecond) // let it get to its wait
	if err := p.Prepare(cfg); err != nil {
		t.Fatal(err)
	}
	a, err := p.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out strings.Builder
	code, err := a.Stream(context.Background(), nil, &out, &out)
	if err != nil || code != 3 || out.String() != "early\n" {
		t.Fatalf("Stream: %q, exit %d, %v; want %q and 3", out.String(), code, err, "early\n")
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, logFile)); err != nil {
		t.Errorf("the monitor's log is not in its directory: %v", err)
	}
}

// An abandoned monitor exits, and a pending one whose container cannot
// start reports why, as Start does.
func TestPreforkedMonitorAbandonedOrFailing(t *testing.T) {
	needRoot(t)
	p, err := Prefork(monitorBin, false)
	if err != nil {
		t.Fatal(err)
	}
	pid := monitorChild(t, p.pid)
	p.Abandon()
	eventually(t, "the abandoned monitor to exit", func() bool { return unix.Kill(pid, 0) != nil })

	cfg := newConfig(t, "/no/such/program")
	p, err = Prefork(monitorBin, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Abandon()
	if err := p.Prepare(cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Start(); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("Start of a missing program: %v", err)
	}
}

// A monitor abandoned after Prepare, while its bundle was being made (a
// failed mount, say), exits without starting anything and takes its attach
// socket with it.
func TestPreparedMonitorAbandoned(t *testing.T) {
	needRoot(t)
	cfg := newConfig(t, "true")
	p, err := Prefork(monitorBin, true)
	if err != nil {
		t.Fatal(err)
	}
	pid := monitorChild(t, p.pid)
	if err := p.Prepare(cfg); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the prepared monitor to listen", func() bool {
		_, err := os.Stat(filepath.Join(cfg.Dir, socketFile))
		return err == nil
	})
	p.Abandon()
	eventually(t, "the abandoned monitor to exit", func() bool { return unix.Kill(pid, 0) != nil })
	if _, err := os.Stat(filepath.Join(cfg.Dir, socketFile)); !os.IsNotExist(err) {
		t.Fatalf("attach socket left behind: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, stateFile)); !os.IsNotExist(err) {
		t.Fatalf("the abandoned monitor recorded a state: %v", err)
	}
}

// monitorChild is the monitor the preamble forked from pid, found by its
// session: the preamble's process leads it.
func monitorChild(t *testing.T, pid int) int {
	t.Helper()
	var child int
	eventually(t, "the preamble to fork the monitor", func() bool {
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			n, err := strconv.Atoi(e.Name())
			if err != nil || n == pid {
				continue
			}
			if sid, err := unix.Getsid(n); err == nil && sid == pid {
				child = n
				return true
			}
		}
		return false
	})
	return child
}
