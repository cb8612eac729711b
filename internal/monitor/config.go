package monitor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/hullrt/hull/internal/atomicfile"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/events"
	"github.com/hullrt/hull/internal/logs"
	"github.com/hullrt/hull/internal/proc"
	"github.com/hullrt/hull/internal/runtime"
)

// The files a monitor keeps in its container's directory (Config.Dir).
const (
	configFile = "monitor.json" // the Config, written by Start
	stateFile  = "state.json"   // the State, replaced atomically
	socketFile = "attach.sock"  // the attach socket
	logFile    = "monitor.log"  // the monitor's own stderr: warnings, crashes
)

// Config is what the engine hands a monitor; Start writes it to
// Dir/monitor.json, where the monitor reads it back each time it starts or
// wakes.
type Config struct {
	// ID names the container, for the runtime and in events.
	ID string `json:"id"`
	// Name and Image are event attributes.
	Name  string `json:"name,omitempty"`
	Image string `json:"image,omitempty"`
	// Bundle is the OCI bundle: config.json and a mounted rootfs.
	Bundle string `json:"bundle"`
	// RuntimeRoot is the runtime's state root.
	RuntimeRoot string `json:"runtimeRoot"`
	// Dir is the container's directory: monitor.json, state.json, the
	// attach socket and the monitor's log live there.
	Dir string `json:"dir"`
	// Tty gives the container a terminal; OpenStdin keeps its stdin open
	// for attachments to write to, and StdinOnce closes it when the first
	// attachment that wrote to it ends its input.
	Tty       bool `json:"tty,omitempty"`
	OpenStdin bool `json:"openStdin,omitempty"`
	StdinOnce bool `json:"stdinOnce,omitempty"`
	// ConsoleSize is the terminal's size (rows, columns) before the
	// process starts; zero leaves the kernel's default.
	ConsoleSize [2]uint16 `json:"consoleSize,omitzero"`
	// Log is where output is kept; an empty Path keeps none.
	Log logs.Config `json:"log"`
	// Restart says when the monitor starts the container again.
	Restart RestartPolicy `json:"restart"`
	// OnExit is run, detached, once the container is gone for good (the
	// engine passes `hull rm` for --rm).
	OnExit []string `json:"onExit,omitempty"`
	// FirstClientRemoves says the attachment Start makes removes the
	// container once it exits (`hull run --rm`): if it is still there at
	// the exit, the monitor gives it the time to before it runs OnExit,
	// rather than start a second removal beside it.
	FirstClientRemoves bool `json:"firstClientRemoves,omitempty"`
	// Trash lists directories whose entries the monitor deletes once that
	// client removed the container: the removal moves the container's
	// files there (engine.RemoveOptions.Deferred), and the monitor, which
	// nobody waits for, deletes them after.
	Trash []string `json:"trash,omitempty"`
	// Volatile says the container does not outlive its run (--rm): its
	// state need not survive a crash, and is saved the cheaper way (see
	// package atomicfile).
	Volatile bool `json:"volatile,omitempty"`
	// Events is the events journal; "" records none.
	Events string `json:"events,omitempty"`
}

// RestartPolicy is Docker's --restart: Name is "no" (or ""), "on-failure",
// "always" or "unless-stopped"; MaxRetries bounds on-failure (0: no bound).
type RestartPolicy struct {
	Name       string `json:"name,omitempty"`
	MaxRetries int    `json:"maxRetries,omitempty"`
}

// The container statuses a State records.
const (
	StatusRunning    = "running"
	StatusRestarting = "restarting"
	StatusExited     = "exited"
)

// State is what the monitor records of its container, in Dir/state.json,
// replaced atomically on every change.
type State struct {
	// Status is StatusRunning, StatusRestarting or StatusExited.
	Status string `json:"status"`
	// Pid is the container init's host pid while it runs.
	Pid int `json:"pid,omitempty"`
	// MonitorPid and MonitorStart identify the monitor process: a pid
	// alone may be reused once the monitor is gone. MonitorStart is its
	// start time in clock ticks since boot, as /proc/PID/stat has it.
	MonitorPid   int       `json:"monitorPid"`
	MonitorStart uint64    `json:"monitorStart"`
	StartedAt    time.Time `json:"startedAt"`
	FinishedAt   time.Time `json:"finishedAt"`
	// ExitCode is the last exit status: the process's code, or 128+n
	// when signal n killed it.
	ExitCode  int  `json:"exitCode"`
	OOMKilled bool `json:"oomKilled,omitempty"`
	// Error says why the last (re)start failed.
	Error        string `json:"error,omitempty"`
	RestartCount int    `json:"restartCount,omitempty"`
	// MonitorAlive is filled by ReadState: whether the monitor process
	// still runs.
	MonitorAlive bool `json:"-"`
}

// ReadState reads the state of the container whose directory is dir. It
// fails with errdefs.ErrNotFound when no monitor ever ran there.
func ReadState(dir string) (*State, error) {
	s, err := readState(dir)
	if err != nil {
		return nil, err
	}
	if s.MonitorAlive = proc.Alive(s.MonitorPid, s.MonitorStart); s.MonitorAlive {
		return s, nil
	}
	// The monitor may have written its last state and exited between the
	// read and the look at its pid: now that it is gone, the file is
	// final.
	again, err := readState(dir)
	if err != nil {
		return nil, err
	}
	if again.MonitorPid != s.MonitorPid || again.MonitorStart != s.MonitorStart {
		again.MonitorAlive = proc.Alive(again.MonitorPid, again.MonitorStart)
	}
	return again, nil
}

func readState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("monitor state in %s: %w", dir, errdefs.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading monitor state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

// saveState replaces state.json with the monitor's state: readers see the
// old or the new state, never part of one.
func (m *monitor) saveState() error {
	data, err := json.Marshal(&m.state)
	if err != nil {
		return err
	}
	write := atomicfile.Write
	if m.cfg.Volatile {
		write = atomicfile.WriteVolatile
	}
	return write(m.path(stateFile), data, 0o600)
}

// warmUp builds, while a preforked monitor waits for its container, the
// JSON codecs and the runtime state its start needs (see runtime.WarmUp).
func warmUp() {
	runtime.WarmUp()
	if b, err := json.Marshal(&Config{}); err == nil {
		json.Unmarshal(b, &Config{})
	}
	if b, err := json.Marshal(&State{}); err == nil {
		json.Unmarshal(b, &State{})
	}
	json.Marshal(readyMsg{Pid: 1})
	json.Marshal(events.Event{Type: events.TypeContainer, Action: "start",
		Actor: events.Actor{ID: "x", Attributes: map[string]string{"name": "x"}}})
}

func readConfig(dir string) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, configFile))
	if err != nil {
		return nil, fmt.Errorf("reading monitor config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, configFile), err)
	}
	return &c, nil
}
