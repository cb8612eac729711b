package capabilities

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Apply sets the calling thread's permitted, effective and inheritable sets
// to s in one capset(2) call, then makes its ambient set exactly s.Ambient.
//
// Preconditions: DropBounding has run; if the uid changed, keep-capabilities
// was set around the change (see SetKeepCaps) so that the permitted set
// still holds what s asks for.
func (s *Set) Apply() error {
	if s == nil {
		return nil
	}
	if err := capset(s.Permitted, s.Effective, s.Inheritable); err != nil {
		if errors.Is(err, unix.EPERM) {
			return s.explainCapset()
		}
		return fmt.Errorf("setting capabilities: %w", err)
	}
	return s.applyAmbient()
}

func (s *Set) applyAmbient() error {
	err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
	if errors.Is(err, unix.EINVAL) && s.Ambient == 0 {
		return nil // a kernel before 4.3 has no ambient set: nothing to clear
	}
	if err != nil {
		return fmt.Errorf("clearing the ambient capabilities: %w", ambientErr(err))
	}
	for c := Cap(0); c < 64; c++ {
		if !s.Ambient.Has(c) {
			continue
		}
		if err := unix.Prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c), 0, 0); err != nil {
			return fmt.Errorf("raising ambient capability %s: %w", c, ambientErr(err))
		}
	}
	return nil
}

func ambientErr(err error) error {
	if errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("%w: the kernel has no ambient capabilities (Linux 4.3): %w", err, errdefs.ErrUnavailable)
	}
	return err
}

// explainCapset turns capset's EPERM into the capabilities at fault: those
// the thread no longer holds, or inheritable ones outside the bounding set.
func (s *Set) explainCapset() error {
	cur, err := current()
	if err != nil {
		return fmt.Errorf("setting capabilities: %w", unix.EPERM)
	}
	if missing := s.Permitted &^ cur.Permitted; missing != 0 {
		return fmt.Errorf("setting capabilities: the runtime does not hold %v (was keep-capabilities set around the uid change?): %w",
			missing.Names(), errdefs.ErrUnavailable)
	}
	if outside := s.Inheritable &^ (cur.Inheritable | boundingSet()); outside != 0 {
		return fmt.Errorf("setting capabilities: inheritable %v are not in the bounding set: %w",
			outside.Names(), errdefs.ErrInvalidArgument)
	}
	return fmt.Errorf("setting capabilities: %w", unix.EPERM)
}

// capset sets the calling thread's sets; pid 0 in the header means "this
// thread", not the process.
func capset(permitted, effective, inheritable Mask) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		shift := 32 * uint(i)
		data[i] = unix.CapUserData{
			Effective:   uint32(effective >> shift),
			Permitted:   uint32(permitted >> shift),
			Inheritable: uint32(inheritable >> shift),
		}
	}
	return unix.Capset(&hdr, &data[0])
}

// current reads the calling thread's permitted, effective and inheritable
// sets (not bounding or ambient, which capget does not report).
func current() (Set, error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return Set{}, err
	}
	var s Set
	for i := range data {
		shift := 32 * uint(i)
		s.Effective |= Mask(data[i].Effective) << shift
		s.Permitted |= Mask(data[i].Permitted) << shift
		s.Inheritable |= Mask(data[i].Inheritable) << shift
	}
	return s, nil
}

func boundingSet() Mask {
	var m Mask
	for c := Cap(0); c < 64; c++ {
		if inBounding(c) {
			m |= 1 << uint(c)
		}
	}
	return m
}
