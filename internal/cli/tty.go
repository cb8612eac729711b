package cli

import (
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
)

// fdOf returns the descriptor behind a stream when it is a file.
func fdOf(v any) (int, bool) {
	f, ok := v.(interface{ Fd() uintptr })
	if !ok {
		return -1, false
	}
	return int(f.Fd()), true
}

// makeRaw puts the terminal fd in raw mode, as cfmakeraw(3) does, so that
// every key (Ctrl-C included) goes to the container's terminal rather than
// being turned into a signal for hull; it returns what restores the mode.
func makeRaw(fd int) (restore func(), err error) {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return nil, err
	}
	saved := *t
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return nil, err
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, &saved) }, nil
}

// rawStdin puts stdin in raw mode when it is a terminal; otherwise it does
// nothing. The caller runs the returned function when the session ends.
func rawStdin(stdin any) func() {
	fd, ok := fdOf(stdin)
	if !ok || !isTerminal(stdin) {
		return func() {}
	}
	restore, err := makeRaw(fd)
	if err != nil {
		return func() {}
	}
	return restore
}

// terminalSize is the size of the terminal fd, in rows and columns.
func terminalSize(fd int) (rows, cols uint16, ok bool) {
	ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ)
	if err != nil || ws.Row == 0 || ws.Col == 0 {
		return 0, 0, false
	}
	return ws.Row, ws.Col, true
}

// watchResize passes the size of the terminal behind out to resize now and
// after every SIGWINCH, until the returned function is called. It does
// nothing when out is not a terminal.
func watchResize(out any, resize func(rows, cols uint16) error) (stop func()) {
	fd, ok := fdOf(out)
	if !ok || !isTerminal(out) {
		return func() {}
	}
	send := func() {
		if rows, cols, ok := terminalSize(fd); ok {
			resize(rows, cols)
		}
	}
	send()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, unix.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-winch:
				send()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(winch)
		close(done)
	}
}

// ptyResizer sets the size of the pty whose master is fd, for watchResize.
func ptyResizer(master int) func(rows, cols uint16) error {
	return func(rows, cols uint16) error {
		return unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}
}
