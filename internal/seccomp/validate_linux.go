package seccomp

import (
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// maxArgs is how many arguments a system call has for seccomp.
const maxArgs = 6

// Validate checks a seccomp configuration without building a filter, so the
// runtime's create command can refuse a bad config.json before anything
// starts. A name or value the runtime-spec does not define is an
// errdefs.ErrInvalidArgument; an architecture the linked libseccomp cannot
// build, or a flag the running kernel lacks, is an errdefs.ErrUnavailable.
// System call names are not checked: a name libseccomp does not know is
// skipped when the filter is built, as runc does, so that one profile serves
// kernels and architectures of different ages.
//
// A nil s is valid (no seccomp).
func Validate(s *specs.LinuxSeccomp) error {
	if s == nil {
		return nil
	}
	if err := validateDefault(s); err != nil {
		return err
	}
	for _, a := range s.Architectures {
		if _, ok := arches[a]; !ok {
			return invalid("unknown architecture %q", a)
		}
		if !archSupported()[a] {
			return fmt.Errorf("seccomp: architecture %q is not supported by this libseccomp: %w", a, errdefs.ErrUnavailable)
		}
	}
	for _, f := range s.Flags {
		fl, ok := flags[f]
		if !ok {
			return invalid("unknown flag %q", f)
		}
		if !flagSupported()[fl] {
			return fmt.Errorf("seccomp: flag %s is not supported by the running kernel: %w", f, errdefs.ErrUnavailable)
		}
	}
	if s.ListenerMetadata != "" && s.ListenerPath == "" {
		return invalid("listenerMetadata is set but listenerPath is not")
	}
	for i, call := range s.Syscalls {
		if err := validateSyscall(call); err != nil {
			return fmt.Errorf("seccomp: syscalls[%d]: %w", i, err)
		}
		if call.Action != specs.ActNotify {
			continue
		}
		if s.ListenerPath == "" {
			return invalid("syscalls[%d]: SCMP_ACT_NOTIFY needs a listenerPath to hand the notifications to", i)
		}
		if !flagSupported()[unix.SECCOMP_FILTER_FLAG_NEW_LISTENER] {
			return fmt.Errorf("seccomp: syscalls[%d]: SCMP_ACT_NOTIFY needs Linux 5.0: %w", i, errdefs.ErrUnavailable)
		}
	}
	return nil
}

func validateDefault(s *specs.LinuxSeccomp) error {
	if s.DefaultAction == "" {
		return invalid("defaultAction is required")
	}
	if _, ok := actions[s.DefaultAction]; !ok {
		return invalid("unknown defaultAction %q", s.DefaultAction)
	}
	if s.DefaultAction == specs.ActNotify {
		return invalid("SCMP_ACT_NOTIFY cannot be the defaultAction")
	}
	if err := validateErrnoRet(s.DefaultAction, s.DefaultErrnoRet); err != nil {
		return fmt.Errorf("seccomp: defaultErrnoRet: %w", err)
	}
	return nil
}

func validateSyscall(call specs.LinuxSyscall) error {
	if len(call.Names) == 0 {
		return fmt.Errorf("names is empty: %w", errdefs.ErrInvalidArgument)
	}
	for _, n := range call.Names {
		if n == "" {
			return fmt.Errorf("empty system call name: %w", errdefs.ErrInvalidArgument)
		}
	}
	if _, ok := actions[call.Action]; !ok {
		return fmt.Errorf("unknown action %q: %w", call.Action, errdefs.ErrInvalidArgument)
	}
	if err := validateErrnoRet(call.Action, call.ErrnoRet); err != nil {
		return fmt.Errorf("errnoRet: %w", err)
	}
	for j, arg := range call.Args {
		if arg.Index >= maxArgs {
			return fmt.Errorf("args[%d]: index %d is out of range (a system call has %d arguments): %w",
				j, arg.Index, maxArgs, errdefs.ErrInvalidArgument)
		}
		if _, ok := operators[arg.Op]; !ok {
			return fmt.Errorf("args[%d]: unknown operator %q: %w", j, arg.Op, errdefs.ErrInvalidArgument)
		}
	}
	return nil
}

// validateErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE carry a value,
// and the kernel keeps 16 bits of it (SECCOMP_RET_DATA).
func validateErrnoRet(a specs.LinuxSeccompAction, ret *uint) error {
	if ret == nil {
		return nil
	}
	if a != specs.ActErrno && a != specs.ActTrace {
		return fmt.Errorf("only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one, not %s: %w", a, errdefs.ErrInvalidArgument)
	}
	if *ret > 0xffff {
		return fmt.Errorf("%d does not fit in the 16 bits seccomp returns: %w", *ret, errdefs.ErrInvalidArgument)
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("seccomp: "+format+": %w", append(args, errdefs.ErrInvalidArgument)...)
}
