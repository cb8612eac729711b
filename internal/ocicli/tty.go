package ocicli

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	hullrt "github.com/hullrt/hull/internal/runtime"
)

// ttyRelay gives a foreground run or exec a terminal without a console
// socket from the caller: it receives the pty master itself and copies
// between it and this process's stdio, with this terminal in raw mode.
type ttyRelay struct {
	parent, child *os.File
	master        *os.File
	saved         *unix.Termios
	outDone       chan struct{}
}

func newTTYRelay() (*ttyRelay, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return &ttyRelay{
		parent: os.NewFile(uintptr(fds[0]), "console-parent"),
		child:  os.NewFile(uintptr(fds[1]), "console-child"),
	}, nil
}

// start receives the master (sent during create or exec) and begins
// copying.
func (t *ttyRelay) start() error {
	master, err := hullrt.ReceiveConsole(t.parent)
	if err != nil {
		return err
	}
	t.master = master
	if tio, err := unix.IoctlGetTermios(0, unix.TCGETS); err == nil {
		saved := *tio
		t.saved = &saved
		makeRaw(tio)
		unix.IoctlSetTermios(0, unix.TCSETS, tio)
		t.resize()
	}
	t.outDone = make(chan struct{})
	go func() {
		io.Copy(os.Stdout, master)
		close(t.outDone)
	}()
	go io.Copy(master, os.Stdin)
	return nil
}

func (t *ttyRelay) resize() {
	if t.master == nil {
		return
	}
	if ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(t.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// close waits briefly for the last output, then restores the terminal.
func (t *ttyRelay) close() {
	if t.outDone != nil {
		select {
		case <-t.outDone:
		case <-time.After(time.Second):
		}
		t.outDone = nil
	}
	if t.saved != nil {
		unix.IoctlSetTermios(0, unix.TCSETS, t.saved)
		t.saved = nil
	}
	t.parent.Close()
	t.child.Close()
}

// makeRaw is cfmakeraw(3).
func makeRaw(t *unix.Termios) {
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
}
