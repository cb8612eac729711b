package seccomp

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Load compiles s and loads it into the calling thread: Compile then
// Filter.Load. It returns the notification listener (see Filter.Load), or
// -1. Prefer compiling in the runtime, before the init needs the filter.
func Load(s *specs.LinuxSeccomp) (notifyFd int, err error) {
	f, err := Compile(s)
	if err != nil {
		return -1, err
	}
	return f.Load()
}

// Load installs the filter with seccomp(2) on the calling thread, or on
// every thread of the process when the config has SECCOMP_FILTER_FLAG_TSYNC.
// A thread keeps its filter across execve, and only the thread that execs
// survives it, so without TSYNC the container gets exactly this thread's
// filter.
//
// When a rule uses SCMP_ACT_NOTIFY, Load asks the kernel for a listener and
// returns its file descriptor (close-on-exec); the caller hands it to the
// agent at listenerPath and closes its copy. Until the agent answers, every
// notifying system call the init makes blocks, so none may stand between
// Load and handing the descriptor over. Otherwise notifyFd is -1.
//
// Load never sets no_new_privs and does not need it when the thread has
// CAP_SYS_ADMIN (libseccomp's own loader would set it; hull passes the
// program to the kernel itself). Without either, the kernel refuses the
// filter and Load reports errdefs.ErrUnavailable.
//
// Preconditions: the goroutine is locked to its thread
// (runtime.LockOSThread) and stays so until execve. Every system call the
// init makes after Load goes through the filter.
func (f *Filter) Load() (notifyFd int, err error) {
	fl := f.flags
	if f.notify {
		fl |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		if fl&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 {
			// Otherwise TSYNC's "which thread failed" return value would
			// collide with the listener's descriptor.
			fl |= unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH
		}
	} else {
		// Meaningless without a listener, and refused by the kernel.
		fl &^= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
	}
	if len(f.program) == 0 {
		return -1, fmt.Errorf("seccomp: loading an empty filter: %w", errdefs.ErrInvalidArgument)
	}
	prog := unix.SockFprog{Len: uint16(len(f.program)), Filter: &f.program[0]}
	r, err := seccomp(unix.SECCOMP_SET_MODE_FILTER, fl, &prog)
	if err != nil {
		return -1, loadError(fl, err)
	}
	if f.notify {
		return r, nil
	}
	if r != 0 {
		return -1, fmt.Errorf("seccomp: loading filter: thread %d could not be synchronized (SECCOMP_FILTER_FLAG_TSYNC)", r)
	}
	return -1, nil
}

func seccomp(op, flags uint, prog *unix.SockFprog) (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, uintptr(op), uintptr(flags), uintptr(unsafe.Pointer(prog)))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}

// loadError says why seccomp(2) refused: a missing privilege, a flag the
// kernel lacks, or another thread that could not take the filter.
func loadError(fl uint, err error) error {
	switch {
	case errors.Is(err, unix.EACCES):
		return fmt.Errorf("seccomp: loading filter needs no_new_privs or CAP_SYS_ADMIN: %w: %w", err, errdefs.ErrUnavailable)
	case errors.Is(err, unix.ESRCH):
		return fmt.Errorf("seccomp: loading filter: another thread could not be synchronized (SECCOMP_FILTER_FLAG_TSYNC): %w", err)
	case errors.Is(err, unix.EINVAL):
		for bit := uint(1); bit <= fl; bit <<= 1 {
			if fl&bit != 0 && !flagSupported()[bit] {
				return fmt.Errorf("seccomp: loading filter: the running kernel lacks %s: %w", flagName(bit), errdefs.ErrUnavailable)
			}
		}
	}
	return fmt.Errorf("seccomp: loading filter: %w", err)
}

func flagName(bit uint) string {
	for name, v := range flags {
		if v == bit {
			return string(name)
		}
	}
	switch bit {
	case unix.SECCOMP_FILTER_FLAG_NEW_LISTENER:
		return "SECCOMP_FILTER_FLAG_NEW_LISTENER (for SCMP_ACT_NOTIFY, Linux 5.0)"
	case unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH:
		return "SECCOMP_FILTER_FLAG_TSYNC_ESRCH (for TSYNC with SCMP_ACT_NOTIFY, Linux 5.7)"
	}
	return fmt.Sprintf("seccomp flag %#x", bit)
}
