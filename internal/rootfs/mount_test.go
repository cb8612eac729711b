package rootfs

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestCheckDest(t *testing.T) {
	yes := func() bool { return true }
	no := func() bool { return false }
	tests := []struct {
		dest     string
		isProc   bool
		procRoot func() bool
		ok       bool
	}{
		{"/data", false, nil, true},
		{"/", false, nil, false},
		{"/proc", true, nil, true},
		{"/proc", false, yes, true},
		{"/proc", false, no, false},
		{"/proc", false, nil, false},
		{"/proc/self", false, nil, false},
		{"/proc/sys/kernel/core_pattern", false, nil, false},
		{"/proc/meminfo", false, nil, true},
		{"/proc/sys/kernel/ns_last_pid", false, nil, true},
		{"/procfoo", false, nil, true},
	}
	for _, tt := range tests {
		err := checkDest(tt.dest, tt.isProc, tt.procRoot)
		if (err == nil) != tt.ok {
			t.Errorf("checkDest(%q, %v): err = %v, want ok=%v", tt.dest, tt.isProc, err, tt.ok)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("checkDest(%q): %v is not ErrInvalidArgument", tt.dest, err)
		}
	}
}

func TestCleanDest(t *testing.T) {
	for in, want := range map[string]string{
		"/dev/shm": "/dev/shm", "dev/shm": "/dev/shm", "/a/../../b/": "/b", "../../etc": "/etc", "/": "/",
	} {
		if got := cleanDest(in); got != want {
			t.Errorf("cleanDest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWithKind(t *testing.T) {
	err := withKind(&wrapped{unix.EPERM})
	if !errors.Is(err, errdefs.ErrUnavailable) || !errors.Is(err, unix.EPERM) {
		t.Errorf("withKind(EPERM) = %v: want both ErrUnavailable and EPERM", err)
	}
	if err.Error() != "op: operation not permitted" {
		t.Errorf("withKind changed the message: %q", err)
	}
	if err := withKind(&wrapped{unix.ENOENT}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("withKind(ENOENT) = %v, want ErrNotFound", err)
	}
	already := errors.Join(errdefs.ErrInvalidArgument, unix.EPERM)
	if err := withKind(already); err != already {
		t.Errorf("withKind re-kinded an error that had a kind")
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "op: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }
