package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// freezeTimeout bounds how long Freeze waits for the kernel to stop every
// task; a task in uninterruptible sleep (stuck NFS, a vfork parent) can
// delay it indefinitely, and a caller is better told than hung.
const freezeTimeout = 5 * time.Second

// freezerDir picks how to freeze: the v1 freezer hierarchy where it is
// mounted (on a hybrid host the processes are in both, and v1's is the one
// other runtimes use there), else cgroup.freeze, a core file of every
// non-root v2 cgroup.
func (m *manager) freezerDir() (*cgroupDir, error) {
	if d, ok := m.v1["freezer"]; ok {
		return d, nil
	}
	if m.v2 != nil {
		return m.v2, nil
	}
	return nil, fmt.Errorf("freezing: no freezer cgroup on this host: %w", errdefs.ErrUnavailable)
}

func (m *manager) Freeze() error {
	d, err := m.freezerDir()
	if err != nil {
		return err
	}
	if d.h.v2 {
		return freezeV2(d.path, true)
	}
	return freezeV1(d.path)
}

func (m *manager) Thaw() error {
	d, err := m.freezerDir()
	if err != nil {
		return err
	}
	if d.h.v2 {
		return freezeV2(d.path, false)
	}
	return writeFile(d.path, "freezer.state", "THAWED")
}

func (m *manager) Frozen() (bool, error) {
	d, err := m.freezerDir()
	if err != nil {
		return false, err
	}
	if d.h.v2 {
		return frozenV2(d.path)
	}
	state, err := readTrimmed(d.path, "freezer.state")
	return state == "FROZEN", err
}

// poll calls done with growing pauses (from 50µs: most freezes finish in
// well under a millisecond) until it reports true, fails, or time runs out.
// every is called after each pause that reached the cap.
func poll(done func() (bool, error), every func() error) error {
	deadline := time.Now().Add(freezeTimeout)
	delay := 50 * time.Microsecond
	for {
		ok, err := done()
		if ok || err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(delay)
		if delay < 10*time.Millisecond {
			delay *= 2
		} else if err := every(); err != nil {
			return err
		}
	}
}

var errTimeout = errors.New("timed out")

// freezeV1 asks for FROZEN until freezer.state says so. The v1 freezer
// passes through FREEZING and can stall there on a task that was forking;
// thawing and asking again gets it going, as runc found.
func freezeV1(dir string) error {
	tries := 0
	err := poll(func() (bool, error) {
		if err := writeFile(dir, "freezer.state", "FROZEN"); err != nil {
			return false, err
		}
		state, err := readTrimmed(dir, "freezer.state")
		return state == "FROZEN", err
	}, func() error {
		if tries++; tries%10 == 0 {
			return writeFile(dir, "freezer.state", "THAWED")
		}
		return nil
	})
	if err != nil {
		writeFile(dir, "freezer.state", "THAWED")
		return fmt.Errorf("freezing cgroup %s: %w", dir, err)
	}
	return nil
}

// freezeV2 writes cgroup.freeze and waits until cgroup.events reports the
// cgroup frozen (or thawed).
func freezeV2(dir string, freeze bool) error {
	if err := writeFile(dir, "cgroup.freeze", boolValue(freeze)); err != nil {
		return err
	}
	err := poll(func() (bool, error) {
		frozen, err := frozenV2(dir)
		return frozen == freeze, err
	}, func() error { return nil })
	if err != nil && freeze {
		writeFile(dir, "cgroup.freeze", "0")
	}
	if err != nil {
		return fmt.Errorf("setting cgroup.freeze of %s to %s: %w", dir, boolValue(freeze), err)
	}
	return nil
}

func frozenV2(dir string) (bool, error) {
	s, err := readFile(dir, "cgroup.events")
	if err != nil {
		return false, err
	}
	for line := range strings.SplitSeq(s, "\n") {
		if v, ok := strings.CutPrefix(line, "frozen "); ok {
			return v == "1", nil
		}
	}
	return false, fmt.Errorf("reading cgroup.events of %s: no frozen line (kernel older than 5.2?): %w", dir, errdefs.ErrUnavailable)
}

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
