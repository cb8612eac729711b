package monitor

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// idleAfter is how long a monitor stays a Go process once nothing happens:
// no output, no input, no attachment. Then it re-executes itself into the
// preamble's idle wait (package preamble), where it costs a few hundred KiB
// instead of a Go runtime's few MiB, and comes back when the container
// writes, someone attaches, or the container exits.
const idleAfter = 2 * time.Second

// Environment variables of the idle re-execution: the preamble's wait,
// and what the monitor hands to itself.
const (
	envIdle   = "_HULL_MONITOR_IDLE"
	envResume = "_HULL_MONITOR_RESUME"
)

// handover is what a monitor passes to itself across the re-execution,
// besides its children, its descriptors, and the files in Dir.
type handover struct {
	Pid     int              `json:"pid"`
	Streams []handoverStream `json:"streams,omitempty"`
	// Input is the container's stdin pipe (or the terminal); -1 if none.
	Input        int           `json:"input"`
	Listener     int           `json:"listener"`
	Stopping     bool          `json:"stopping,omitempty"`
	RestartAt    time.Time     `json:"restartAt,omitzero"`
	RestartDelay time.Duration `json:"restartDelay,omitempty"`
}

type handoverStream struct {
	ID byte `json:"id"`
	FD int  `json:"fd"`
	// Pending is the line the stream had not finished.
	Pending []byte `json:"pending,omitempty"`
}

// idleCheck goes idle if the monitor has been quiet for idleAfter, and
// otherwise returns how long until it may be.
func (m *monitor) idleCheck() time.Duration {
	quiet := time.Since(time.Unix(0, m.activity.Load()))
	if quiet < idleAfter {
		return idleAfter - quiet
	}
	if m.clientCount() == 0 && (m.pid > 0 || m.restart != nil) {
		m.goIdle()
	}
	return idleAfter
}

// goIdle hands the monitor over to its idle self. It returns only if that
// failed, with everything running again.
func (m *monitor) goIdle() {
	m.listener.SetDeadline(time.Now())
	m.accepting.Wait()
	m.listener.SetDeadline(time.Time{})
	if m.clientCount() > 0 {
		m.startAccepting()
		return
	}
	m.pauseCopiers()
	h, wake, keep := m.handover()
	for _, fd := range keep {
		unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0)
	}
	data, _ := json.Marshal(h)
	env := append(monitorEnv(), envIdle+"="+idleSpec(h.RestartAt, wake), envResume+"="+string(data))
	err := syscall.Exec("/proc/self/exe", []string{os.Args[0], "idle", m.cfg.Dir}, env)
	m.warn(fmt.Sprintf("going idle: %v", err))
	for _, fd := range keep {
		unix.CloseOnExec(fd)
	}
	m.startCopiers()
	m.startAccepting()
}

// handover collects the state to pass on, the descriptors whose readiness
// wakes the monitor (the attach socket, the output), and all those to
// keep: those and the container's input. The input is not waited on: a
// pipe's write end reports only errors, which would wake it for ever once
// the container closed its stdin.
func (m *monitor) handover() (h *handover, wake, keep []int) {
	h = &handover{Pid: m.pid, Input: -1, Listener: m.listenFD, Stopping: m.stopping,
		RestartAt: m.restartAt, RestartDelay: m.restartDelay}
	wake = []int{m.listenFD}
	for _, s := range m.streams {
		if s.eof {
			continue
		}
		hs := handoverStream{ID: s.id, FD: rawFD(s.f)}
		if s.lw != nil {
			hs.Pending = s.lw.Pending()
		}
		h.Streams = append(h.Streams, hs)
		wake = append(wake, hs.FD)
	}
	keep = wake
	m.in.mu.Lock()
	if m.in.f != nil {
		h.Input = rawFD(m.in.f)
		if !slices.Contains(keep, h.Input) { // a terminal is also a stream
			keep = append(keep[:len(keep):len(keep)], h.Input)
		}
	}
	m.in.mu.Unlock()
	return h, wake, keep
}

// resume is the monitor coming back from its idle wait: the same process,
// with the same children and descriptors, and a new Go runtime.
func resume(dir string) int {
	var h handover
	err := json.Unmarshal([]byte(os.Getenv(envResume)), &h)
	os.Unsetenv(envIdle)
	os.Unsetenv(envResume)
	var m *monitor
	if err == nil {
		m, err = newMonitor(dir)
	}
	if err == nil {
		err = m.restore(&h)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "hull-monitor: resuming in %s: %v\n", dir, err)
		return 1
	}
	return m.loop()
}

// restore takes over what the idle self was handed.
func (m *monitor) restore(h *handover) error {
	st, err := ReadState(m.cfg.Dir)
	if err != nil {
		return err
	}
	m.state, m.pid, m.stopping, m.restartDelay = *st, h.Pid, h.Stopping, h.RestartDelay
	byFD := map[int]*os.File{}
	for _, hs := range h.Streams {
		unix.CloseOnExec(hs.FD)
		s := &stream{id: hs.ID, f: os.NewFile(uintptr(hs.FD), "output")}
		if m.logw != nil {
			s.lw = m.logw.Stream(streamName(hs.ID))
			s.lw.SetPending(hs.Pending)
		}
		m.streams = append(m.streams, s)
		byFD[hs.FD] = s.f
	}
	var in, pty *os.File
	if h.Input >= 0 {
		if in = byFD[h.Input]; in == nil {
			unix.CloseOnExec(h.Input)
			in = os.NewFile(uintptr(h.Input), "input")
		}
	}
	if m.cfg.Tty {
		pty = in
		if len(m.streams) > 0 {
			pty = m.streams[0].f
		}
	}
	m.in.set(in, pty)
	if !h.RestartAt.IsZero() {
		m.restartAt = h.RestartAt
		m.restart = time.NewTimer(time.Until(h.RestartAt))
	}
	unix.CloseOnExec(h.Listener)
	if err := m.serve(h.Listener); err != nil {
		return err
	}
	m.startCopiers()
	return nil
}

// idleSpec formats the preamble's variable: the restart deadline on
// CLOCK_MONOTONIC, and the descriptors to wait on.
func idleSpec(restartAt time.Time, fds []int) string {
	var deadline int64
	if !restartAt.IsZero() {
		var now unix.Timespec
		unix.ClockGettime(unix.CLOCK_MONOTONIC, &now)
		deadline = now.Nano() + max(int64(time.Until(restartAt)), 1)
	}
	var sb strings.Builder
	sb.WriteString(strconv.FormatInt(deadline, 10))
	sb.WriteByte(':')
	for i, fd := range fds {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.Itoa(fd))
	}
	return sb.String()
}

// rawFD returns f's descriptor without f.Fd's side effect of making it
// blocking, which would take it out of Go's poller.
func rawFD(f *os.File) int {
	fd := -1
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(u uintptr) { fd = int(u) })
	}
	return fd
}
