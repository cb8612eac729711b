package reaper

import (
	"bufio"
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// With a terminal as stdin and controlling terminal, the command's process
// group is the terminal's foreground group, so Ctrl-C interrupts the
// command (and not hull-init, which then exits 128+SIGINT).
func TestTerminalForeground(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			master, tty := openPTY(t)
			p := newInit(t, m, testBinary("tty", "wait")...)
			p.cmd.Stdin, p.cmd.Stdout = tty, tty
			p.cmd.SysProcAttr.Setsid, p.cmd.SysProcAttr.Setctty = true, true
			p.start(t)
			tty.Close()
			p.stdout = bufio.NewReader(master)

			var pid, pgrp, fg int
			if _, err := fmt.Sscanf(p.line(t), "pid=%d pgrp=%d fg=%d", &pid, &pgrp, &fg); err != nil {
				t.Fatal(err)
			}
			if pgrp != pid || fg != pgrp {
				t.Errorf("command pid %d, process group %d, foreground group %d: want all equal", pid, pgrp, fg)
			}
			if _, err := master.Write([]byte{3}); err != nil { // ^C
				t.Fatal(err)
			}
			if got := p.wait(t); got != 128+int(unix.SIGINT) {
				t.Errorf("hull-init exited %d after ^C, want 130 (stderr %q)", got, p.stderr)
			}
		})
	}
}

// openPTY opens a pseudo-terminal pair; neither becomes the test's
// controlling terminal.
func openPTY(t *testing.T) (master, tty *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetUint32(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tty.Close() })
	return master, tty
}
