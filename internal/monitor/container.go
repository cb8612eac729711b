package monitor

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/logs"
	"github.com/hullrt/hull/internal/runtime"
)

// stream is one of the container's outputs as the monitor reads it.
type stream struct {
	id  byte // streamStdout or streamStderr
	f   *os.File
	lw  *logs.LineWriter
	eof bool // set by its copier when the container's side closed
}

// input is where attachments' input goes: the write end of the container's
// stdin pipe, or the terminal. Reader goroutines of several attachments
// write to it, and the main loop replaces it on a restart.
type input struct {
	mu  sync.Mutex
	f   *os.File // nil once closed, or without OpenStdin
	pty *os.File // the terminal's master, with Tty
}

func (in *input) write(p []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.f != nil {
		in.f.Write(p) // EPIPE once the container is gone: nothing to tell
	}
}

// closeInput ends the container's stdin. A terminal stays open, since it
// is the output too: only the attachments' input stops.
func (in *input) closeInput() {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.f != nil && in.f != in.pty {
		in.f.Close()
	}
	in.f = nil
}

func (in *input) resize(rows, cols uint16) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.pty != nil && rows > 0 && cols > 0 {
		setWinsize(in.pty, rows, cols)
	}
}

// set replaces the input for a new run, closing what the old run left.
func (in *input) set(f, pty *os.File) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.f != nil && in.f != in.pty {
		in.f.Close()
	}
	if in.pty != nil && in.pty != pty {
		in.pty.Close()
	}
	in.f, in.pty = f, pty
}

func setWinsize(pty *os.File, rows, cols uint16) {
	if rc, err := pty.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) {
			unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
		})
	}
}

// stdio is the container's side and the monitor's side of a new run's
// standard streams.
type stdio struct {
	child                 [3]*os.File // stdin, stdout, stderr for CreateOpts
	console, consoleChild *os.File    // the console socket, with Tty
	outputs               []*stream
	in                    *os.File
}

func (m *monitor) newStdio() (*stdio, error) {
	s := &stdio{}
	if m.cfg.Tty {
		var err error
		s.console, s.consoleChild, err = socketpair()
		return s, err
	}
	for i, id := range []byte{streamStdout, streamStderr} {
		r, w, err := os.Pipe()
		if err != nil {
			s.close()
			return nil, err
		}
		s.child[i+1] = w
		s.outputs = append(s.outputs, &stream{id: id, f: r})
	}
	if m.cfg.OpenStdin {
		r, w, err := os.Pipe()
		if err != nil {
			s.close()
			return nil, err
		}
		s.child[0], s.in = r, w
	}
	return s, nil
}

// closeChild closes the container's ends, once it holds its own copies:
// the monitor must not keep a pipe's write end, or it never sees the end.
func (s *stdio) closeChild() {
	for _, f := range append(s.child[:], s.consoleChild) {
		closeFile(f)
	}
}

// close releases everything after a failed start.
func (s *stdio) close() {
	s.closeChild()
	closeFile(s.console)
	closeFile(s.in)
	for _, o := range s.outputs {
		o.f.Close()
	}
}

// receiveTerminal takes the pty master that the container's init sent
// during Create, sized and ready to poll.
func (m *monitor) receiveTerminal(s *stdio) error {
	f, err := runtime.ReceiveConsole(s.console)
	s.console.Close()
	s.console = nil
	if err != nil {
		return err
	}
	defer f.Close()
	// A non-blocking duplicate goes into Go's poller, so that its reads
	// can be interrupted with a deadline (see goIdle).
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("receiving the terminal: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return fmt.Errorf("receiving the terminal: %w", err)
	}
	pty := os.NewFile(uintptr(fd), "pty")
	if rows, cols := m.cfg.ConsoleSize[0], m.cfg.ConsoleSize[1]; rows > 0 && cols > 0 {
		setWinsize(pty, rows, cols)
	}
	s.outputs = []*stream{{id: streamStdout, f: pty}}
	if m.cfg.OpenStdin {
		s.in = pty
	}
	return nil
}

// startContainer creates and starts one run of the container. first, if
// not nil, is an attachment to connect before the process starts. On
// failure nothing of the run is left and the error is the runtime's.
func (m *monitor) startContainer(first *client) error {
	m.removeStale()
	s, err := m.newStdio()
	if err != nil {
		return err
	}
	c, err := m.rt.Create(m.cfg.ID, runtime.CreateOpts{Bundle: m.cfg.Bundle,
		Stdin: s.child[0], Stdout: s.child[1], Stderr: s.child[2], ConsoleSocket: s.consoleChild})
	s.closeChild()
	m.ctr = c
	if err == nil && m.cfg.Tty {
		if !c.Config().Process.Terminal {
			err = errors.New("the container's config.json asks for no terminal")
		} else {
			err = m.receiveTerminal(s)
		}
	}
	if err != nil {
		if c != nil {
			m.deleteContainer(c.Pid())
		}
		s.close()
		return err
	}
	m.beginRun(s, first)
	if err := c.Start(); err != nil {
		m.abortRun(c.Pid())
		return err
	}
	m.pid = c.Pid()
	now := time.Now().UTC()
	m.state.Status, m.state.Pid, m.state.StartedAt, m.state.Error = StatusRunning, m.pid, now, ""
	m.state.FinishedAt, m.state.ExitCode, m.state.OOMKilled = time.Time{}, 0, false
	if err := m.saveState(); err != nil {
		m.warn(err.Error())
	}
	return nil
}

// beginRun starts copying the new run's output and connects first.
func (m *monitor) beginRun(s *stdio, first *client) {
	var pty *os.File
	if m.cfg.Tty {
		pty = s.outputs[0].f
	}
	m.in.set(s.in, pty)
	m.streams = s.outputs
	for _, st := range m.streams {
		if m.logw != nil {
			name := "stdout"
			if st.id == streamStderr {
				name = "stderr"
			}
			st.lw = m.logw.Stream(name)
		}
	}
	if first != nil {
		m.addClient(first)
	}
	m.startCopiers()
}

// abortRun undoes a run whose Start failed.
func (m *monitor) abortRun(pid int) {
	m.deleteContainer(pid)
	m.drainStreams()
	m.in.set(nil, nil)
	m.streams = nil
}

// deleteContainer removes the runtime's container, killing what is left of
// it, and reaps its init.
func (m *monitor) deleteContainer(pid int) {
	if c := m.container(); c != nil {
		if err := c.Delete(true); err != nil {
			m.warn(fmt.Sprintf("deleting container: %v", err))
		}
	}
	m.ctr = nil
	if pid > 0 {
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
	}
}

// container is the runtime's container of the current run: the one this
// process created, or after an idle wait the one the runtime has; nil if
// there is none.
func (m *monitor) container() *runtime.Container {
	if m.ctr == nil {
		if c, err := m.rt.Load(m.cfg.ID); err == nil {
			m.ctr = c
		}
	}
	return m.ctr
}

// removeStale deletes a stopped container of the same id that a monitor
// killed before it could delete it left under the runtime's root.
func (m *monitor) removeStale() {
	c, err := m.rt.Load(m.cfg.ID)
	if err == nil && c.Status() == runtime.Stopped {
		c.Delete(true)
	}
}

// parseResize reads a resize frame's payload.
func parseResize(p []byte) (rows, cols uint16, ok bool) {
	if len(p) != 4 {
		return 0, 0, false
	}
	return binary.BigEndian.Uint16(p[:2]), binary.BigEndian.Uint16(p[2:]), true
}
