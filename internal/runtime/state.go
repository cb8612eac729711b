package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Status is a container's status as the OCI runtime spec names it, plus
// "paused" as runc reports it.
type Status string

// The statuses a container goes through.
const (
	Creating Status = "creating"
	Created  Status = "created"
	Running  Status = "running"
	Paused   Status = "paused"
	Stopped  Status = "stopped"
)

// State is what the runtime remembers of a container between invocations,
// written to Root/<id>/state.json.
type State struct {
	ID     string `json:"id"`
	Bundle string `json:"bundle"`
	Rootfs string `json:"rootfs"`
	Pid    int    `json:"pid"`
	// PidStart is init's start time in clock ticks since boot (field 22 of
	// /proc/PID/stat): a pid alone may be reused once init is gone.
	PidStart    uint64            `json:"pidStart"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	CgroupPaths map[string]string `json:"cgroupPaths"`
	// Namespaces maps each namespace type to the path exec must join.
	Namespaces map[specs.LinuxNamespaceType]string `json:"namespaces"`
	Config     *specs.Spec                         `json:"config"`
}

// OCIState is the state document the runtime spec defines (runtime.md
// "State"), with runc's extra fields, as `state` prints it and hooks read it.
type OCIState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      Status            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs,omitempty"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

const stateFile = "state.json"

// save writes the state atomically: a reader sees the old or the new file,
// never half of one, even if this process is killed mid-write.
func (s *State) save(dir string) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".state-*")
	if err != nil {
		return fmt.Errorf("saving state: %w", err)
	}
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, stateFile))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("saving state: %w", err)
	}
	return nil
}

func loadState(dir string) (*State, error) {
	data, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("reading %s: %w", filepath.Join(dir, stateFile), err)
	}
	return &s, nil
}

// procStat returns the state letter and start time of pid from
// /proc/PID/stat, or ok=false when there is no such process.
func procStat(pid int) (state byte, start uint64, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces and parentheses: fields start after
	// the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0, 0, false
	}
	fields := bytes.Fields(data[i+2:])
	// fields[0] is field 3 (state); start time is field 22.
	if len(fields) < 20 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], start, true
}

// alive reports whether the container's init still runs: the pid exists,
// is not a zombie, and started when init did.
func (s *State) alive() bool {
	if s.Pid <= 0 {
		return false
	}
	st, start, ok := procStat(s.Pid)
	return ok && st != 'Z' && st != 'X' && start == s.PidStart
}

// signalInit sends sig to init if it is still the process we started.
func (s *State) signalInit(sig unix.Signal) error {
	if !s.alive() {
		return unix.ESRCH
	}
	return unix.Kill(s.Pid, sig)
}
