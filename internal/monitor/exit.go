package monitor

import (
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/proc"
	"github.com/hullrt/hull/internal/trash"
)

// loop watches over the container until it is gone for good, and returns
// the monitor's exit status.
func (m *monitor) loop() int {
	idle := time.NewTimer(idleAfter)
	defer idle.Stop()
	m.reap() // a child may have exited before the handler was installed
	for !m.done {
		var restart <-chan time.Time
		if m.restart != nil {
			restart = m.restart.C
		}
		select {
		case <-m.sigchld:
			m.reap()
		case c := <-m.stops:
			m.stop(c)
		case <-restart:
			m.restart = nil
			m.restartNow()
		case <-idle.C:
			idle.Reset(m.idleCheck())
		}
	}
	return 0
}

// reap collects every child that exited: the container's init, and
// processes the monitor inherited as a subreaper. Only the loop waits for
// children, and the runtime's own waits (for the processes it spawns in
// Create) run on the loop too, so they never race with this.
func (m *monitor) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if pid == m.pid && (ws.Exited() || ws.Signaled()) {
			m.exited(proc.ExitStatus(ws))
		}
	}
}

// exited records the end of a run and decides what follows: a restart, or
// the end of the monitor.
func (m *monitor) exited(code int) {
	ranFor := time.Since(m.state.StartedAt)
	m.pid = 0
	m.drainStreams()
	m.in.set(nil, nil)
	oom := false
	if c := m.container(); c != nil {
		oom = oomKilled(c.CgroupPaths()) // before Delete removes the cgroup
	}
	// The exit is recorded and told before the runtime's container is
	// deleted: `hull run` goes on at once, and its removal overlaps with
	// the deletion (`hull rm` deletes a runtime container left over last,
	// and Delete is locked, so whichever comes second finds it done).
	m.recordExit(code, oom, "")
	// With one P, the clients' writers would only run once the deletion
	// below returns: let them send the exit frame first.
	m.flushClients(time.Second)
	m.deleteContainer(0)
	if m.shouldRestart(code) {
		m.scheduleRestart(ranFor)
	} else {
		m.finish()
	}
}

// recordExit records the end of a run (or a failure to begin one): its
// events, then the state, then the attachments' exit frames. Whoever
// waits for the state (WaitExit) then finds the events recorded, and
// whoever acts on an exit frame (`hull run --rm`) finds the container
// exited.
func (m *monitor) recordExit(code int, oom bool, errMsg string) {
	if oom {
		m.event("oom", nil)
	}
	m.event("die", map[string]string{"exitCode": itoa(code)})
	m.state.Status = StatusExited
	if m.shouldRestart(code) {
		m.state.Status = StatusRestarting
	}
	m.state.Pid, m.state.ExitCode, m.state.OOMKilled, m.state.Error = 0, code, oom, errMsg
	m.state.FinishedAt = time.Now().UTC()
	if err := m.saveState(); err != nil {
		m.warn(err.Error())
	}
	m.endClients(code)
}

// shouldRestart applies the restart policy to a run that ended with code.
func (m *monitor) shouldRestart(code int) bool {
	if m.stopping {
		return false
	}
	p := m.cfg.Restart
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return code != 0 && (p.MaxRetries == 0 || m.state.RestartCount < p.MaxRetries)
	}
	return false
}

// Docker's back-off between restarts: 100 ms, doubled after each restart,
// at most a minute, and back to 100 ms once a run lasted 10 s.
const (
	restartDelayMin   = 100 * time.Millisecond
	restartDelayMax   = time.Minute
	restartResetAfter = 10 * time.Second
)

func (m *monitor) scheduleRestart(ranFor time.Duration) {
	switch {
	case m.restartDelay == 0 || ranFor >= restartResetAfter:
		m.restartDelay = restartDelayMin
	default:
		m.restartDelay = min(2*m.restartDelay, restartDelayMax)
	}
	m.restartAt = time.Now().Add(m.restartDelay)
	m.restart = time.NewTimer(m.restartDelay)
}

// restartNow starts the next run. A run that cannot start counts as one
// that failed, with the exit code Docker gives such failures.
func (m *monitor) restartNow() {
	m.state.RestartCount++
	m.restartAt = time.Time{}
	err := m.startContainer(nil)
	if err == nil {
		m.event("start", nil)
		return
	}
	code := startFailureCode(err.Error())
	m.warn("restarting: " + err.Error())
	m.recordExit(code, false, err.Error())
	if m.shouldRestart(code) {
		m.scheduleRestart(0)
	} else {
		m.finish()
	}
}

// startFailureCode is the exit code of a start that failed: 127 when the
// program is not found, 126 when it cannot be run, as a shell and Docker
// report them, 255 otherwise.
func startFailureCode(msg string) int {
	switch {
	case strings.Contains(msg, "no such file or directory"), strings.Contains(msg, "executable file not found"):
		return 127
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "is a directory"):
		return 126
	}
	return 255
}

// stop records that the user is stopping the container. During a restart
// back-off that is the end: the container is not running, and now never
// will be again.
func (m *monitor) stop(c *client) {
	m.stopping = true
	c.enqueue(appendFrame(nil, streamStopped, nil), false)
	if m.pid == 0 && m.restart != nil {
		m.restart.Stop()
		m.restart = nil
		m.state.Status = StatusExited
		if err := m.saveState(); err != nil {
			m.warn(err.Error())
		}
		m.finish()
	}
}

// finish ends the monitor: the container is gone for good.
func (m *monitor) finish() {
	m.closeListener()
	m.endClients(m.state.ExitCode)
	m.flushClients(5 * time.Second)
	if m.logw != nil {
		m.logw.Close()
	}
	if len(m.cfg.OnExit) > 0 || len(m.cfg.Trash) > 0 {
		if m.removedByClient() {
			m.emptyTrash()
		} else if len(m.cfg.OnExit) > 0 {
			m.runOnExit()
		}
	}
	m.done = true
}

// removedByClient tells whether the attached client that removes the
// container (`hull run --rm`, see Config.FirstClientRemoves) did, waiting
// a while for it: a CLI that got the exit frame removes the container
// within milliseconds, and one killed before it could leaves it to OnExit.
// Running OnExit regardless would start a second hull process beside the
// first, for nothing but contention.
func (m *monitor) removedByClient() bool {
	if !m.clientRemoves {
		return false
	}
	for deadline := time.Now().Add(removeGrace); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if _, err := os.Stat(m.cfg.Dir); os.IsNotExist(err) {
			return true
		}
	}
	return false
}

// emptyTrash deletes what the client's removal put in the trash: its own
// container's files, and those of others whose monitor did not get to it.
func (m *monitor) emptyTrash() {
	for _, dir := range m.cfg.Trash {
		if err := trash.Empty(dir); err != nil {
			m.warn("emptying the trash: " + err.Error())
		}
	}
}

// removeGrace is how long the monitor waits for a client's removal.
const removeGrace = 3 * time.Second

// runOnExit starts OnExit detached, in its own session, and does not wait:
// it may well remove the container's directory, monitor included.
func (m *monitor) runOnExit() {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		m.warn(err.Error())
		return
	}
	defer null.Close()
	fd := null.Fd()
	_, err = syscall.ForkExec(m.cfg.OnExit[0], m.cfg.OnExit, &syscall.ProcAttr{
		Dir: "/", Env: monitorEnv(), Files: []uintptr{fd, fd, 2},
		Sys: &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		m.warn("running on-exit command: " + err.Error())
	}
}
