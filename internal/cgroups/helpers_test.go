package cgroups

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

var testSeq atomic.Int64

// testPath returns a cgroup path no other test or process uses.
func testPath(t testing.TB) string {
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-")
	return fmt.Sprintf("/hull-test-%d-%d-%s", os.Getpid(), testSeq.Add(1), name)
}

// created creates a cgroup at a fresh test path and removes it when the
// test ends, checking that no directory is left behind.
func created(t *testing.T, r *specs.LinuxResources) *manager {
	t.Helper()
	needRoot(t)
	mgr, err := New(testPath(t), "")
	if err != nil {
		t.Fatal(err)
	}
	m := mgr.(*manager)
	cleanupCgroup(t, m)
	if err := m.Create(r); err != nil {
		t.Fatalf("Create: %v", err)
	}
	return m
}

func cleanupCgroup(t *testing.T, m *manager) {
	t.Cleanup(func() {
		m.Thaw()
		if pids, _ := m.Pids(); len(pids) > 0 {
			m.Kill(unix.SIGKILL)
		}
		if err := m.Destroy(); err != nil {
			t.Errorf("Destroy: %v", err)
		}
		for _, p := range m.Paths() {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Destroy left %s (%v)", p, err)
			}
		}
	})
}

func readCg(t *testing.T, dir, file string) string {
	t.Helper()
	s, err := readTrimmed(dir, file)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func wantFile(t *testing.T, dir, file, want string) {
	t.Helper()
	if got := readCg(t, dir, file); got != want {
		t.Errorf("%s/%s = %q, want %q", filepath.Base(dir), file, got, want)
	}
}

// gated is a shell script started outside the cgroup that runs only once
// the test has moved it in: it waits for a line on stdin first.
type gated struct {
	cmd  *exec.Cmd
	gate io.WriteCloser
	out  syncBuffer
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startGated(t *testing.T, script string) *gated {
	t.Helper()
	g := &gated{cmd: exec.Command("/bin/sh", "-c", "read _ || exit 99\n"+script)}
	g.cmd.Stdout, g.cmd.Stderr = &g.out, &g.out
	// Its own process group, so that the cleanup reaches its children.
	g.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	g.cmd.WaitDelay = time.Second
	var err error
	if g.gate, err = g.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.Kill(-g.cmd.Process.Pid, unix.SIGKILL)
		g.cmd.Wait()
	})
	return g
}

func (g *gated) open() { io.WriteString(g.gate, "go\n"); g.gate.Close() }

// runIn runs script inside the cgroup and returns its exit code and output.
func runIn(t *testing.T, m Manager, script string) (int, string) {
	t.Helper()
	g := startGated(t, script)
	if err := m.Apply(g.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	g.open()
	err := g.cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), g.out.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, g.out.String()
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func ptr[T any](v T) *T { return &v }
