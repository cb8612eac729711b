package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func (m *manager) Create(r *specs.LinuxResources) (err error) {
	var created []string
	defer func() {
		if err != nil {
			for i := len(created) - 1; i >= 0; i-- {
				unix.Rmdir(created[i])
			}
		}
	}()
	made := make(map[string]bool, len(m.dirs))
	for _, d := range m.dirs {
		dirs, err := mkdirs(d.path, d.h.mountpoint)
		created = append(created, dirs...)
		if err != nil {
			return fmt.Errorf("creating cgroup: %w", err)
		}
		made[d.path] = len(dirs) > 0 && dirs[len(dirs)-1] == d.path
		if !d.h.v2 && d.h.has("cpuset") {
			if _, _, err := inheritCpuset(d.path, d.h.mountpoint, made[d.path]); err != nil {
				return fmt.Errorf("creating cgroup: %w", err)
			}
		}
	}
	// On a unified host every controller is delegated down to the new
	// cgroup, so that a later Set can write any of them. On a hybrid host
	// the v2 controllers are enabled only when a limit needs one (see
	// controllerDir): enabling one there would stop the administrator from
	// mounting it as a v1 hierarchy later.
	if m.v2 != nil && m.host.mode() == Unified {
		delegate(m.v2, m.v2.h.controllers)
	}
	return m.set(r, false, made)
}

// mkdirs makes dir and the missing parents below top, and returns the
// directories it made, outermost first. An existing dir is fine.
func mkdirs(dir, top string) ([]string, error) {
	err := unix.Mkdir(dir, 0o755)
	switch {
	case err == nil:
		return []string{dir}, nil
	case err == unix.EEXIST:
		return nil, nil
	case err != unix.ENOENT || len(dir) <= len(top):
		return nil, &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	made, err := mkdirs(filepath.Dir(dir), top)
	if err != nil {
		return made, err
	}
	if err := unix.Mkdir(dir, 0o755); err != nil && err != unix.EEXIST {
		return made, &os.PathError{Op: "mkdir", Path: dir, Err: err}
	} else if err == nil {
		made = append(made, dir)
	}
	return made, nil
}

// inheritCpuset fills an empty v1 cpuset.cpus or cpuset.mems from the
// parent, going up as far as parents are empty too, and returns the values
// dir has then. The v1 kernel leaves a new cpuset empty and lets no process
// join it. fresh says dir was just made: empty, no need to read it.
func inheritCpuset(dir, top string, fresh bool) (cpus, mems string, err error) {
	if !fresh {
		if cpus, err = readTrimmed(dir, "cpuset.cpus"); err != nil {
			return "", "", err
		}
		if mems, err = readTrimmed(dir, "cpuset.mems"); err != nil {
			return "", "", err
		}
		if cpus != "" && mems != "" {
			return cpus, mems, nil
		}
	}
	if len(dir) <= len(top) {
		return "", "", fmt.Errorf("the cpuset root %s has no cpus or mems: %w", dir, errdefs.ErrUnavailable)
	}
	pcpus, pmems, err := inheritCpuset(filepath.Dir(dir), top, false)
	if err != nil {
		return "", "", err
	}
	var w []fileValue
	if cpus == "" {
		cpus = pcpus
		w = append(w, fileValue{"cpuset.cpus", cpus})
	}
	if mems == "" {
		mems = pmems
		w = append(w, fileValue{"cpuset.mems", mems})
	}
	return cpus, mems, writeFiles(dir, w)
}

// delegate enables the controllers ctls in cgroup.subtree_control of every
// ancestor of d below the v2 mount, so that d gets their interface files.
// It does its best: a controller the kernel refuses (busy parent, realtime
// tasks blocking "cpu") is skipped, and the write of its file names it then.
func delegate(d *cgroupDir, ctls []string) {
	have, _ := readTrimmed(d.path, "cgroup.controllers")
	var missing []string
	for _, c := range ctls {
		if !strings.Contains(" "+have+" ", " "+c+" ") {
			missing = append(missing, "+"+c)
		}
	}
	if len(missing) == 0 {
		return
	}
	rel, err := filepath.Rel(d.h.mountpoint, filepath.Dir(d.path))
	if err != nil || strings.HasPrefix(rel, "..") {
		return
	}
	parent := d.h.mountpoint
	levels := []string{parent}
	if rel != "." {
		for part := range strings.SplitSeq(rel, "/") {
			parent += "/" + part
			levels = append(levels, parent)
		}
	}
	for _, dir := range levels {
		if writeFile(dir, "cgroup.subtree_control", strings.Join(missing, " ")) == nil {
			continue
		}
		for _, c := range missing { // one refused controller fails the whole write
			writeFile(dir, "cgroup.subtree_control", c)
		}
	}
}

func (m *manager) Apply(pid int) error {
	s := strconv.Itoa(pid)
	for _, d := range m.dirs {
		if err := writeFile(d.path, "cgroup.procs", s); err != nil {
			return fmt.Errorf("moving process %d into cgroup %s: %w", pid, d.path, err)
		}
	}
	return nil
}

func (m *manager) Destroy() error {
	var errs []error
	for _, d := range m.dirs {
		if err := removeTree(d.path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeTree removes a cgroup directory and the sub-cgroups the container
// made in it. A cgroup directory is removed with rmdir although it lists
// files: they are the kernel's, not real ones. Most containers make no
// sub-cgroups, so one rmdir is tried before the directory is listed.
func removeTree(dir string) error {
	if err := unix.Rmdir(dir); err == nil || err == unix.ENOENT {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing cgroup: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return rmdirRetry(dir)
}

// rmdirRetry retries for about a third of a second while the cgroup is busy:
// processes that were just killed leave it only once the kernel has reaped
// them.
func rmdirRetry(dir string) error {
	delay := time.Millisecond
	for try := 0; ; try++ {
		err := unix.Rmdir(dir)
		if err == nil || err == unix.ENOENT {
			return nil
		}
		if err != unix.EBUSY || try == 9 {
			kind := errnoKind(err)
			if kind == nil {
				return fmt.Errorf("removing cgroup %s: %w", dir, err)
			}
			return fmt.Errorf("removing cgroup %s: %w (%w)", dir, err, kind)
		}
		time.Sleep(delay)
		delay = min(2*delay, 100*time.Millisecond)
	}
}

// Entry is how a process that is being started enters the cgroup by itself.
//
// Apply writes the pid to cgroup.procs, and every such write takes the
// kernel's global cgroup_threadgroup_rwsem for writing, which waits for an
// RCU grace period: 5 to 25 ms on a 250 Hz kernel, longer than the rest of
// a container's start. Two ways into a cgroup skip that lock, and a runtime
// can use both for a process it is still starting:
//
//   - On v1, a thread that writes "0" to a hierarchy's tasks file moves only
//     itself, without the lock. A process that does so while it still has
//     one thread, before it forks the container's process, moves entirely,
//     and the child is born in the cgroup.
//   - On v2, which moves only whole processes, clone3 with
//     CLONE_INTO_CGROUP and a descriptor of Dir creates the child in it.
type Entry struct {
	// Tasks lists the tasks file of every v1 hierarchy.
	Tasks []string
	// Dir is the v2 directory, "" on a legacy host.
	Dir string
}

func (m *manager) Entry() Entry {
	var e Entry
	for _, d := range m.dirs {
		if d.h.v2 {
			e.Dir = d.path
		} else {
			e.Tasks = append(e.Tasks, filepath.Join(d.path, "tasks"))
		}
	}
	return e
}

func (m *manager) ApplyUnified(pid int) error {
	if m.v2 == nil {
		return nil
	}
	if err := writeFile(m.v2.path, "cgroup.procs", strconv.Itoa(pid)); err != nil {
		return fmt.Errorf("moving process %d into cgroup %s: %w", pid, m.v2.path, err)
	}
	return nil
}
