package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// pidsDir picks the hierarchy whose process lists Pids reads: the freezer
// one where there is one, so that Kill lists what it froze.
func (m *manager) pidsDir() *cgroupDir {
	if d, err := m.freezerDir(); err == nil {
		return d
	}
	for _, c := range []string{"pids", "memory", "cpu"} {
		if d, ok := m.v1[c]; ok {
			return d
		}
	}
	return m.dirs[0]
}

func (m *manager) Pids() ([]int, error) {
	var pids []int
	err := walkCgroups(m.pidsDir().path, func(dir string) error {
		s, err := readFile(dir, "cgroup.procs")
		if err != nil {
			return err
		}
		for f := range strings.FieldsSeq(s) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				return fmt.Errorf("parsing cgroup.procs of %s: %w", dir, err)
			}
			pids = append(pids, pid)
		}
		return nil
	})
	return pids, err
}

// walkCgroups calls fn for dir and every sub-cgroup below it. Sub-cgroups
// removed meanwhile are skipped.
func walkCgroups(dir string, fn func(string) error) error {
	if err := fn(dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		err := walkCgroups(filepath.Join(dir, e.Name()), fn)
		if err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return err
		}
	}
	return nil
}

func (m *manager) Kill(sig unix.Signal) error {
	// cgroup.kill (Linux 5.14) kills the whole cgroup atomically, forks
	// included. On a hybrid host it would reach only the v2 membership,
	// so there the freezer path below is used.
	if sig == unix.SIGKILL && m.host.mode() == Unified && fileExists(m.v2.path, "cgroup.kill") {
		return writeFile(m.v2.path, "cgroup.kill", "1")
	}
	wasFrozen, err := m.Frozen()
	frozen := err == nil && (wasFrozen || m.Freeze() == nil)
	pids, err := m.Pids()
	if err == nil {
		for _, pid := range pids {
			if e := unix.Kill(pid, sig); e != nil && e != unix.ESRCH {
				err = fmt.Errorf("sending %v to process %d: %w", sig, pid, e)
				break
			}
		}
	}
	// A paused container stays paused, except for SIGKILL: frozen tasks
	// die only once thawed.
	if frozen && (!wasFrozen || sig == unix.SIGKILL) {
		if e := m.Thaw(); e != nil && err == nil {
			err = e
		}
	}
	return err
}
