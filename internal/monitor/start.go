package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/atomicfile"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/runtime"
)

// readyMsg is what a new monitor reports to Start, once: the container
// runs (Pid is the monitor's), or why it could not start.
type readyMsg struct {
	Pid   int    `json:"pid,omitempty"`
	Error string `json:"error,omitempty"`
}

// Start spawns a monitor for the container cfg describes (binary is the
// hull-monitor executable) and returns once the container runs, or with
// the runtime's error, verbatim, when it could not start; nothing is left
// behind then. The monitor is detached: in its own session and nobody's
// child, it survives the caller's exit or kill -9.
//
// With attach, the returned Attachment is connected before the container's
// process starts, so that it sees all of the output: it is one end of a
// socketpair the monitor inherits, not a later connect.
func Start(binary string, cfg Config, attach bool) (*Attachment, error) {
	if err := prepareStart(cfg); err != nil {
		return nil, err
	}
	att, err := spawnMonitor(binary, cfg.Dir, attach)
	if err != nil {
		os.Remove(filepath.Join(cfg.Dir, configFile))
		return nil, err
	}
	return att, nil
}

// prepareStart checks cfg and writes it where the monitor reads it.
func prepareStart(cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := checkNoMonitor(cfg.Dir); err != nil {
		return err
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(cfg.Dir, configFile), data, 0o600); err != nil {
		return fmt.Errorf("starting monitor: %w", err)
	}
	return nil
}

func (c *Config) validate() error {
	if err := runtime.ValidateID(c.ID); err != nil {
		return err
	}
	if !filepath.IsAbs(c.Dir) || !filepath.IsAbs(c.Bundle) {
		return fmt.Errorf("monitor: Dir and Bundle must be absolute paths: %w", errdefs.ErrInvalidArgument)
	}
	switch c.Restart.Name {
	case "", "no", "on-failure", "always", "unless-stopped":
	default:
		return fmt.Errorf("invalid restart policy %q: %w", c.Restart.Name, errdefs.ErrInvalidArgument)
	}
	if len(c.OnExit) > 0 && c.OnExit[0] == "" {
		return fmt.Errorf("monitor: empty on-exit command: %w", errdefs.ErrInvalidArgument)
	}
	if c.Restart.MaxRetries < 0 {
		return fmt.Errorf("invalid restart policy: negative retry count: %w", errdefs.ErrInvalidArgument)
	}
	return nil
}

// checkNoMonitor refuses a second monitor for a container whose monitor
// still runs: it would take over the attach socket.
func checkNoMonitor(dir string) error {
	st, err := ReadState(dir)
	if err == nil && st.MonitorAlive && st.Status != StatusExited {
		return fmt.Errorf("container in %s already has a monitor (pid %d): %w", dir, st.MonitorPid, errdefs.ErrConflict)
	}
	return nil
}

// spawnMonitor starts binary for the container in dir and waits for its
// report (see launch).
func spawnMonitor(binary, dir string, attach bool) (*Attachment, error) {
	p, err := launch(binary, dir, attach)
	if err != nil {
		return nil, err
	}
	defer p.ready.Close()
	return finishSpawn(p.ready, p.att, p.pid, dir)
}

// finishSpawn waits for the report of the monitor started as pid and
// returns its attachment (att, our end of it), if any.
func finishSpawn(ready, att *os.File, pid int, dir string) (*Attachment, error) {
	msg, err := readReady(ready, dir)
	if msg.Pid == pid {
		go unix.Wait4(pid, nil, 0, nil) // no preamble forked it: reap it when it ends
	} else {
		unix.Wait4(pid, nil, 0, nil)
	}
	if err != nil {
		closeFile(att)
		return nil, err
	}
	if att == nil {
		return nil, nil
	}
	conn, err := net.FileConn(att)
	att.Close()
	if err != nil {
		return nil, fmt.Errorf("attaching: %w", err)
	}
	return newAttachment(conn), nil
}

// forkMonitor starts the monitor's first process in a session of its own,
// with stdin and stdout on /dev/null and stderr on the monitor's log in dir
// (on /dev/null too while dir is "": a pending monitor's).
func forkMonitor(binary string, args []string, dir string, files []*os.File) (int, error) {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	logf := null
	if dir != "" {
		logf, err = os.OpenFile(filepath.Join(dir, logFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return 0, fmt.Errorf("starting monitor: %w", err)
		}
		defer logf.Close()
	}
	files[0], files[1], files[2] = null, null, logf
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = f.Fd()
	}
	env := append(monitorEnv(), "_HULL_MONITOR_DETACH=1")
	pid, err := syscall.ForkExec(binary, args, &syscall.ProcAttr{
		Dir: "/", Env: env, Files: fds, Sys: &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return 0, fmt.Errorf("starting monitor %s: %w", binary, err)
	}
	return pid, nil
}

// readReady waits for the monitor's report. A monitor that dies without
// one left its reason in its log.
func readReady(ready *os.File, dir string) (readyMsg, error) {
	var msg readyMsg
	if err := json.NewDecoder(ready).Decode(&msg); err != nil {
		return msg, fmt.Errorf("monitor exited before starting the container%s", logTail(dir))
	}
	if msg.Error != "" {
		return msg, errors.New(msg.Error)
	}
	return msg, nil
}

// logTail returns the end of the monitor's log, for an error message.
func logTail(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, logFile))
	if err != nil || len(data) == 0 {
		return ""
	}
	s := strings.TrimSpace(string(data[max(0, len(data)-512):]))
	return ": " + s[strings.LastIndexByte(s, '\n')+1:]
}

// monitorEnv is the caller's environment without hull's internal
// variables, which would make a child act as a monitor's own re-execution,
// and with GOMAXPROCS=1: a monitor runs on one P (see newMonitor), and
// starting with one costs nothing, while changing it later stops the world
// and frees the other P's caches, some 80 page faults on the way to
// starting the container.
func monitorEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "_HULL_") && !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	return append(env, "GOMAXPROCS=1")
}

// socketpair returns a connected pair of stream sockets, close-on-exec.
func socketpair() (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("creating socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "socketpair"), os.NewFile(uintptr(fds[1]), "socketpair"), nil
}

func closeFile(f *os.File) {
	if f != nil {
		f.Close()
	}
}
