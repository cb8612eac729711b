package reaper

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary plays the children hull-init runs: run with
// "reaper-test:<role>" as its first argument it is one of those below
// instead of the test suite. hull-init itself is built from cmd/hull-init.
const rolePrefix = "reaper-test:"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], rolePrefix) {
		os.Exit(playRole(strings.TrimPrefix(os.Args[1], rolePrefix), os.Args[2:]))
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	self = exe
	dir, err := os.MkdirTemp("", "hull-init-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	initBin = filepath.Join(dir, "hull-init")
	build := exec.Command(goTool(), "build", "-ldflags", "-s -w -linkmode external -extldflags -static", "-o", initBin, "../../cmd/hull-init")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building hull-init: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// goTool is the go command that runs these tests.
func goTool() string {
	if p := filepath.Join(goruntime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// self is this test binary's absolute path; initBin the hull-init built
// for the tests.
var self, initBin string

// trapped are the signals the "trap" child reports: a few of each kind,
// real-time ones too. SIGTERM, which ends the child, comes last.
var trapped = []os.Signal{
	unix.SIGHUP, unix.SIGUSR1, unix.SIGWINCH, unix.SIGALRM, unix.SIGCONT,
	unix.Signal(sigRTMin + 3), unix.SIGTERM,
}

// sigRTMin is the first real-time signal a program without glibc may use.
const sigRTMin = 34

func playRole(role string, args []string) int {
	switch role {
	case "trap":
		// Reports each trapped signal; SIGTERM ends it with status 7.
		sigs := make(chan os.Signal, len(trapped))
		signal.Notify(sigs, trapped...)
		fmt.Println("ready")
		for s := range sigs {
			fmt.Printf("got %d\n", s)
			if s == unix.SIGTERM {
				return 7
			}
		}
	case "group":
		// Ignores SIGTERM itself and runs a "trap" child in its own
		// process group, so only a signal sent to the group reaches it.
		signal.Ignore(unix.SIGTERM)
		cmd := exec.Command(os.Args[0], rolePrefix+"trap") // os.Args[0] is absolute: we set it
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return ee.ExitCode()
			}
			return 100
		}
	case "tty":
		// Reports its process group and the terminal's foreground group,
		// then waits for a signal when asked to.
		fg, err := unix.IoctlGetInt(0, unix.TIOCGPGRP)
		if err != nil {
			fg = -1
		}
		fmt.Printf("pid=%d pgrp=%d fg=%d\n", os.Getpid(), unix.Getpgrp(), fg)
		if len(args) > 0 && args[0] == "wait" {
			time.Sleep(time.Hour) // not select{}: Go calls that a deadlock
		}
	}
	return 0
}

// mode is how hull-init runs under test: as the init of a new pid
// namespace, as in a container, or as a child subreaper (-s).
type mode string

const (
	asPID1      mode = "pid1"
	asSubreaper mode = "subreaper"
)

var modes = []mode{asPID1, asSubreaper}

// initProc is hull-init under test, started by this test binary.
type initProc struct {
	cmd    *exec.Cmd
	stdout *bufio.Reader // the command's standard output
	stderr *bytes.Buffer
}

// startInit runs hull-init in mode m with the given hull-init arguments
// (flags, "--" and the command), its output on a pipe.
func startInit(t *testing.T, m mode, args ...string) *initProc {
	t.Helper()
	return withOutputPipe(t, newInit(t, m, args...))
}

// withOutputPipe starts p with its output on a pipe the test reads.
func withOutputPipe(t *testing.T, p *initProc) *initProc {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	p.cmd.Stdout, p.stdout = w, bufio.NewReader(r)
	p.start(t)
	w.Close()
	return p
}

// newInit prepares hull-init in mode m for a test to adjust and start. A
// hull-init that has not exited within a minute is killed, so a test
// waiting for it fails rather than hangs.
func newInit(t *testing.T, m mode, args ...string) *initProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	if m == asSubreaper {
		args = append([]string{"-s"}, args...)
	}
	cmd := exec.CommandContext(ctx, initBin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if m == asPID1 {
		if os.Geteuid() != 0 {
			t.Skip("needs root to create a pid namespace")
		}
		cmd.SysProcAttr.Cloneflags = unix.CLONE_NEWPID
	}
	p := &initProc{cmd: cmd, stderr: new(bytes.Buffer)}
	cmd.Stderr = p.stderr
	return p
}

func (p *initProc) start(t *testing.T) {
	t.Helper()
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
}

// line reads the command's next line of output.
func (p *initProc) line(t *testing.T) string {
	t.Helper()
	s, err := p.stdout.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the command's output: %v (hull-init's stderr: %q)", err, p.stderr)
	}
	return strings.TrimRight(s, "\r\n") // a terminal ends lines with \r\n
}

// expect fails unless the command's next line is want.
func (p *initProc) expect(t *testing.T, want string) {
	t.Helper()
	if got := p.line(t); got != want {
		t.Fatalf("command printed %q, want %q", got, want)
	}
}

// signal sends sig to hull-init.
func (p *initProc) signal(t *testing.T, sig unix.Signal) {
	t.Helper()
	if err := unix.Kill(p.cmd.Process.Pid, sig); err != nil {
		t.Fatal(err)
	}
}

// wait returns hull-init's exit status.
func (p *initProc) wait(t *testing.T) int {
	t.Helper()
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	ws := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() {
		t.Fatalf("hull-init died of %v (stderr: %q)", ws.Signal(), p.stderr)
	}
	return ws.ExitStatus()
}

// patience is how long a test polls for a condition before it fails: well
// short of the minute after which hull-init itself is killed, so the
// failure says what was missing.
const patience = 30 * time.Second

// testBinary is the path to this test binary, for commands that play a role.
func testBinary(role string, args ...string) []string {
	return append([]string{self, rolePrefix + role}, args...)
}
