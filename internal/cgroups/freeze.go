package cgroups

import (
	"errors"
	"fmt"
	"strings"
	"time"

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
