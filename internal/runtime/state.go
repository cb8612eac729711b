package runtime

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hullrt/hull/internal/proc"
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
	st, err := s.stage(dir)
	if err != nil {
		return err
	}
	return st.commit()
}

// save writes c's state and notes the file's stamp: its next refresh
// then need not read back what it wrote.
func (c *Container) save() error {
	if err := c.state.save(c.dir); err != nil {
		return err
	}
	c.stamp = currentStamp(c.dir)
	return nil
}

// stagedState is a state written to a temporary file, not yet in place.
type stagedState struct {
	tmp, path string
}

// stage writes the state next to its file without replacing it: commit
// does that, and discard drops it. Create stages while init is still
// building the container, off the critical path, and commits once it is
// ready.
func (s *State) stage(dir string) (*stagedState, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(dir, ".state-*")
	if err != nil {
		return nil, fmt.Errorf("saving state: %w", err)
	}
	if _, err = tmp.Write(data); err == nil {
		err = tmp.Close()
	} else {
		tmp.Close()
	}
	if err != nil {
		os.Remove(tmp.Name())
		return nil, fmt.Errorf("saving state: %w", err)
	}
	return &stagedState{tmp: tmp.Name(), path: filepath.Join(dir, stateFile)}, nil
}

func (st *stagedState) commit() error {
	if err := os.Rename(st.tmp, st.path); err != nil {
		st.discard()
		return fmt.Errorf("saving state: %w", err)
	}
	st.tmp = ""
	return nil
}

// discard removes a state that was not committed; after commit it does
// nothing.
func (st *stagedState) discard() {
	if st.tmp != "" {
		os.Remove(st.tmp)
	}
}

func loadState(dir string) (*State, error) {
	s, _, err := loadStateStamped(dir)
	return s, err
}

// stateStamp tells one version of a state file from another: the file is
// only ever replaced (by rename, a new inode), never written in place.
type stateStamp struct {
	ino   uint64
	size  int64
	mtime unix.Timespec
}

// loadStateStamped reads the state and the stamp of the very file it read.
func loadStateStamped(dir string) (*State, stateStamp, error) {
	path := filepath.Join(dir, stateFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, stateStamp{}, err
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, stateStamp{}, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, stateStamp{}, err
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, stateStamp{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return &s, stampOf(&st), nil
}

func stampOf(st *unix.Stat_t) stateStamp {
	return stateStamp{ino: st.Ino, size: st.Size, mtime: st.Mtim}
}

// currentStamp is the stamp of the state file now; the zero stamp, which
// matches none, if it cannot be read.
func currentStamp(dir string) stateStamp {
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(dir, stateFile), &st); err != nil {
		return stateStamp{}
	}
	return stampOf(&st)
}

// alive reports whether the container's init still runs: the pid exists,
// is not a zombie, and started when init did.
func (s *State) alive() bool {
	if s.Pid <= 0 {
		return false
	}
	return proc.Alive(s.Pid, s.PidStart)
}

// signalInit sends sig to init if it is still the process we started.
func (s *State) signalInit(sig unix.Signal) error {
	if !s.alive() {
		return unix.ESRCH
	}
	return unix.Kill(s.Pid, sig)
}
