package engine

import (
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/sys/mountinfo"

	"github.com/hullrt/hull/internal/monitor"
	"github.com/hullrt/hull/internal/runtime"
	"github.com/hullrt/hull/internal/spec"
)

// status works out where a container is now, from its monitor's state file
// and, when the monitor is gone (killed), from the runtime itself, so that
// ps tells the truth after any crash.
func (e *Engine) status(c *Container) *container.State {
	st := &container.State{Status: container.StateCreated, StartedAt: zeroTime, FinishedAt: zeroTime}
	ms, err := monitor.ReadState(e.dir(c.ID))
	if err != nil || ms == nil {
		return st
	}
	st.Pid, st.ExitCode, st.OOMKilled, st.Error = ms.Pid, ms.ExitCode, ms.OOMKilled, ms.Error
	st.StartedAt, st.FinishedAt = timeString(ms.StartedAt), timeString(ms.FinishedAt)
	switch ms.Status {
	case "running":
		st.Status, st.Running = container.StateRunning, true
	case "restarting":
		st.Status, st.Restarting = container.StateRestarting, true
	default:
		st.Status, st.Pid = container.StateExited, 0
	}
	if ms.Status != "exited" && !ms.MonitorAlive {
		// The monitor died (kill -9): believe the runtime, not the file.
		st.Running, st.Restarting = false, false
		st.Status, st.Pid = container.StateExited, 0
		if rc, err := e.runtime.Load(c.ID); err == nil {
			switch rc.Status() {
			case runtime.Running:
				st.Status, st.Running, st.Pid = container.StateRunning, true, rc.Pid()
			case runtime.Paused:
				st.Status, st.Running, st.Paused, st.Pid = container.StatePaused, true, true, rc.Pid()
			}
		}
		if st.Status == container.StateExited && st.Error == "" {
			st.Error = "monitor exited unexpectedly"
		}
		return st
	}
	if st.Running {
		if rc, err := e.runtime.Load(c.ID); err == nil && rc.Status() == runtime.Paused {
			st.Status, st.Paused = container.StatePaused, true
		}
	}
	return st
}

var zeroTime = time.Time{}.Format(time.RFC3339Nano)

func timeString(t time.Time) string {
	if t.IsZero() {
		return zeroTime
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// mounted reports whether something is mounted on path.
func mounted(path string) bool {
	ok, err := mountinfo.Mounted(path)
	return err == nil && ok
}

// logLimits reads json-file's max-size and max-file options. hull rotates
// by default (10m, 3 files), where Docker keeps one unbounded file: a
// daemonless engine has nobody else to stop a chatty container filling the
// disk.
func logLimits(opts map[string]string) (int64, int) {
	size, files := int64(10<<20), 3
	if v, ok := opts["max-size"]; ok {
		if n, err := spec.ParseBytes(v); err == nil {
			size = n
		}
	}
	if v, ok := opts["max-file"]; ok {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			files = n
		}
	}
	return size, files
}
