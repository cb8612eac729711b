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
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary plays every part: run with "reaper-test:<role>" as its
// first argument it is hull-init itself, or one of the children below,
// instead of the test suite.
const rolePrefix = "reaper-test:"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && strings.HasPrefix(os.Args[1], rolePrefix) {
		os.Exit(playRole(strings.TrimPrefix(os.Args[1], rolePrefix), os.Args[2:]))
	}
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	self = exe
	os.Exit(m.Run())
}

// self is this test binary's absolute path.
var self string

// trapped are the signals the "trap" child reports: urgent ones and
// others that hull-init only catches once its child runs. SIGTERM, which
// ends the child, comes last.
var trapped = []os.Signal{
	unix.SIGHUP, unix.SIGUSR1, unix.SIGWINCH, unix.SIGALRM, unix.SIGCONT,
	unix.Signal(sigRTMin + 3), unix.SIGTERM,
}

// sigRTMin is the first real-time signal a program without glibc may use.
const sigRTMin = 34

func playRole(role string, args []string) int {
	switch role {
	case "init":
		return Main(args, os.Stderr)
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
	cmd := exec.CommandContext(ctx, self, append([]string{rolePrefix + "init"}, args...)...)
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

// waitCaught waits until hull-init has installed a handler for sig, as
// /proc says, so that a test does not send a signal hull-init has not yet
// asked for. It polls, for a limited patience.
func (p *initProc) waitCaught(t *testing.T, sig unix.Signal) {
	t.Helper()
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if caught(t, p.cmd.Process.Pid)&(1<<(sig-1)) != 0 {
			return
		}
	}
	t.Fatalf("hull-init never caught signal %d", sig)
}

// caught reads the SigCgt mask of a process.
func caught(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if hex, ok := strings.CutPrefix(l, "SigCgt:"); ok {
			var mask uint64
			fmt.Sscanf(strings.TrimSpace(hex), "%x", &mask)
			return mask
		}
	}
	t.Fatal("no SigCgt in /proc status")
	return 0
}

// patience is how long a test polls for a condition before it fails: well
// short of the minute after which hull-init itself is killed, so the
// failure says what was missing.
const patience = 30 * time.Second

// testBinary is the path to this test binary, for commands that play a role.
func testBinary(role string, args ...string) []string {
	return append([]string{self, rolePrefix + role}, args...)
}
