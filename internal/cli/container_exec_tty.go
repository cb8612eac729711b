package cli

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/runtime"
)

// ptyDrain is how long hull keeps reading the pty once the exec'd process
// has exited and no more output comes: what it wrote last may still be in
// the pty's buffer, while a background child holding the pty open must
// not keep hull waiting.
const ptyDrain = 100 * time.Millisecond

// execTerminal runs the process on a new pty: the runtime sends its master
// over a console socket, and hull copies between that master and its own
// terminal (in raw mode, with -i) until the process exits.
func (e *env) execTerminal(eng *engine.Engine, ref string, eo engine.ExecOptions, interactive bool) error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("creating the console socket: %w", err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "console"), os.NewFile(uintptr(fds[1]), "console")
	defer mine.Close()
	eo.ConsoleSocket = theirs
	pid, err := eng.Exec(ref, eo)
	theirs.Close()
	if err != nil {
		return docker(err)
	}
	pty, ptyFD, err := receivePty(mine)
	if err != nil {
		unix.Kill(pid, unix.SIGKILL)
		waitPid(pid)
		return err
	}
	defer pty.Close()
	stopResize := watchResize(e.stdout, ptyResizer(ptyFD))
	defer stopResize()
	if interactive {
		defer rawStdin(e.stdin)()
		go io.Copy(pty, e.stdin)
	}
	var exited atomic.Bool
	done := make(chan struct{})
	go func() { copyPty(e.stdout, pty, &exited); close(done) }()
	stop := forwardSignals(pid)
	code, err := waitPid(pid)
	stop()
	exited.Store(true)
	pty.SetReadDeadline(time.Now().Add(ptyDrain))
	<-done
	return exitWith(code, err)
}

// receivePty takes the pty master from the console socket and makes it
// non-blocking, so that reads from it can be given a deadline. It returns
// the descriptor too, for ioctls: File.Fd would make it blocking again.
func receivePty(sock *os.File) (*os.File, int, error) {
	f, err := runtime.ReceiveConsole(sock)
	if err != nil {
		return nil, -1, err
	}
	defer f.Close()
	fd, err := unix.Dup(int(f.Fd()))
	if err != nil {
		return nil, -1, fmt.Errorf("receiving the console: %w", err)
	}
	unix.CloseOnExec(fd)
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, -1, fmt.Errorf("receiving the console: %w", err)
	}
	return os.NewFile(uintptr(fd), "pty"), fd, nil
}

// copyPty copies the process's output to w until the pty ends (EIO once no
// process holds its other side) or, after the process exited, until no
// output came for ptyDrain.
func copyPty(w io.Writer, pty *os.File, exited *atomic.Bool) {
	buf := make([]byte, 32<<10)
	for {
		if exited.Load() {
			pty.SetReadDeadline(time.Now().Add(ptyDrain))
		}
		n, err := pty.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
