package capabilities

import (
	"errors"
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Set is the capabilities a container process gets, one Mask per kernel set.
// Build it with New; apply it with DropBounding, SetKeepCaps and Apply in the
// order the package documentation gives.
type Set struct {
	Bounding    Mask
	Effective   Mask
	Permitted   Mask
	Inheritable Mask
	Ambient     Mask
}

// New parses the capability lists of an OCI process.
//
// A name this build does not know is an error (errdefs.ErrInvalidArgument).
// A name it knows but the running kernel does not (a capability newer than
// the kernel) is left out and reported in warnings, as runc does, so that a
// config written for a newer kernel still runs. Sets the kernel would refuse
// to apply are errors too: an effective capability that is not permitted.
// An ambient one that is not both permitted and inheritable is dropped with
// a warning, as runc and crun do.
//
// A nil c gives a nil *Set, whose methods change nothing.
func New(c *specs.LinuxCapabilities) (s *Set, warnings []string, err error) {
	if c == nil {
		return nil, nil, nil
	}
	last, err := LastCap()
	if err != nil {
		return nil, nil, err
	}
	s = &Set{}
	skipped := map[string]bool{}
	for _, l := range []struct {
		what  string
		names []string
		into  *Mask
	}{
		{"bounding", c.Bounding, &s.Bounding},
		{"effective", c.Effective, &s.Effective},
		{"permitted", c.Permitted, &s.Permitted},
		{"inheritable", c.Inheritable, &s.Inheritable},
		{"ambient", c.Ambient, &s.Ambient},
	} {
		m, err := parseList(l.names, last, skipped, &warnings)
		if err != nil {
			return nil, nil, fmt.Errorf("%s capabilities: %w", l.what, err)
		}
		*l.into = m
	}
	if err := s.check(); err != nil {
		return nil, nil, err
	}
	// The kernel refuses to raise an ambient capability that is not both
	// permitted and inheritable; runc and crun then go on without it, and
	// `runc spec` itself writes such a config (ambient, no inheritable).
	if extra := s.Ambient &^ (s.Permitted & s.Inheritable); extra != 0 {
		s.Ambient &^= extra
		warnings = append(warnings, fmt.Sprintf(
			"ignoring ambient capabilities %v: they are not both permitted and inheritable", extra.Names()))
	}
	return s, warnings, nil
}

func parseList(list []string, last Cap, skipped map[string]bool, warnings *[]string) (Mask, error) {
	var m Mask
	for _, name := range list {
		c, err := Parse(name)
		if err != nil {
			return 0, err
		}
		if c > last {
			if !skipped[name] {
				skipped[name] = true
				*warnings = append(*warnings, fmt.Sprintf(
					"ignoring capability %s: the running kernel knows capabilities up to %s", name, last))
			}
			continue
		}
		m |= 1 << uint(c)
	}
	return m, nil
}

// check refuses what capset(2) would refuse with a bare EPERM, naming the
// capabilities at fault.
func (s *Set) check() error {
	if extra := s.Effective &^ s.Permitted; extra != 0 {
		return fmt.Errorf("effective capabilities %v are not in the permitted set: %w",
			extra.Names(), errdefs.ErrInvalidArgument)
	}
	return nil
}

// SetKeepCaps sets or clears the calling thread's keep-capabilities flag
// (prctl PR_SET_KEEPCAPS). With it set, changing every uid from 0 to another
// uid keeps the permitted set instead of clearing it; the effective and
// ambient sets are cleared either way and Apply restores them. Set it just
// before setresuid and clear it just after; execve clears it too.
func SetKeepCaps(keep bool) error {
	v := uintptr(0)
	if keep {
		v = 1
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, v, 0, 0, 0); err != nil {
		return fmt.Errorf("setting keep-capabilities to %v: %w", keep, err)
	}
	return nil
}

// DropBounding removes from the calling thread's bounding set every
// capability not in s.Bounding. The bounding set caps what any later execve
// can grant, and only shrinks.
//
// Preconditions: CAP_SETPCAP is in the thread's effective set (the init is
// still uid 0 with the runtime's capabilities); call it before the uid change
// and before Apply.
func (s *Set) DropBounding() error {
	if s == nil {
		return nil
	}
	last, err := LastCap()
	if err != nil {
		return err
	}
	for c := Cap(0); c <= last; c++ {
		if s.Bounding.Has(c) {
			continue
		}
		err := unix.Prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0, 0, 0)
		if err == nil {
			continue
		}
		if errors.Is(err, unix.EPERM) && !inBounding(c) {
			continue // already gone: nested runtimes may lack CAP_SETPCAP
		}
		if errors.Is(err, unix.EPERM) {
			return fmt.Errorf("dropping %s from the bounding set needs CAP_SETPCAP: %w", c, errdefs.ErrUnavailable)
		}
		return fmt.Errorf("dropping %s from the bounding set: %w", c, err)
	}
	return nil
}

func inBounding(c Cap) bool {
	r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
	return err == nil && r == 1
}
