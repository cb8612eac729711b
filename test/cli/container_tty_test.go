package cli_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// run -it on a terminal: hull puts it in raw mode (keys such as ^D reach
// the container's own terminal), gives the container its size and passes
// on every SIGWINCH, and restores the terminal when it exits.
func TestRunInteractiveTerminal(t *testing.T) {
	root := engineRoot(t)
	master, slave := openPty(t)
	setSize(t, master, 30, 100)
	cmd := startOnTerminal(t, slave, "--root", root, "run", "--rm", "-it", "busybox", "sh", "-c", "while read x; do stty size; done; echo bye")
	out := readAll(master)
	sizeShown := func(size string) bool {
		master.Write([]byte("\r"))
		return strings.Contains(out(), size+"\r\n")
	}
	eventually(t, "the container to see the terminal's size", func() bool { return sizeShown("30 100") })
	setSize(t, master, 40, 120)
	eventually(t, "the container to see the new size", func() bool { return sizeShown("40 120") })
	master.Write([]byte{4}) // ^D: end of input for the container's shell
	if code := exitCode(t, cmd); code != 0 || !strings.Contains(out(), "bye") {
		t.Errorf("exit %d, output %q", code, out())
	}
	tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil || tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("the terminal was left in raw mode: %v", err)
	}
}

// exec -it gets a terminal of hull's size, reads keys from hull's terminal
// and exits with the process's status.
func TestExecInteractiveTerminal(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "target", "busybox", "sleep", "1000")
	master, slave := openPty(t)
	setSize(t, master, 25, 90)
	// hull sizes the pty before it passes any input on: the size is
	// read after a line of input.
	cmd := startOnTerminal(t, slave, "--root", root, "exec", "-it", "target", "sh", "-c", "read x; stty size; echo got $x; exit 4")
	out := readAll(master)
	master.Write([]byte("typed\r"))
	if code := exitCode(t, cmd); code != 4 {
		t.Errorf("exec -it: exit %d, want 4", code)
	}
	eventually(t, "the process's output", func() bool { return strings.Contains(out(), "25 90\r\ngot typed\r\n") })
}

// startOnTerminal starts hull with args on the terminal slave, leading a
// session whose controlling terminal it is, as in a shell (so that the
// kernel sends it SIGWINCH). It is killed at the end of the test.
func startOnTerminal(t *testing.T, slave *os.File, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(hullBin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd
}

// openPty opens a pseudo-terminal pair.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); m.Close() })
	return m, s
}

func setSize(t *testing.T, master *os.File, rows, cols uint16) {
	t.Helper()
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		t.Fatal(err)
	}
}

// readAll collects what f yields, in the background, and returns a
// function that reads what came so far.
func readAll(f *os.File) func() string {
	var mu sync.Mutex
	var got []byte
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			mu.Lock()
			got = append(got, buf[:n]...)
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return string(got)
	}
}
