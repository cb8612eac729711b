package content

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

// flock(2) locks, not fcntl locks: they belong to the open file
// description, so two goroutines of one process that each open the lock
// file exclude each other exactly as two processes do, and the kernel drops
// them when the process dies — a kill -9 never leaves the store locked.

const (
	lockShared    = syscall.LOCK_SH
	lockExclusive = syscall.LOCK_EX
)

// lockPath opens (creating if needed) and locks the file at path.
func lockPath(ctx context.Context, path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := flockWait(ctx, f, how); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// flockWait takes the lock, polling rather than blocking in flock so that
// the wait ends with ctx: a blocked flock cannot be interrupted.
func flockWait(ctx context.Context, f *os.File, how int) error {
	delay := time.Millisecond
	for {
		ok, err := flockTry(f, how)
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("in use: %w: %w", errdefs.ErrUnavailable, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// flockTry takes the lock if nobody holds a conflicting one.
func flockTry(f *os.File, how int) (bool, error) {
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		default:
			return false, fmt.Errorf("locking %s: %w", f.Name(), err)
		}
	}
}

// sameFile reports whether path still names the file f has open. A lock
// taken on a lock file that its holder then unlinked protects nothing.
func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Stat(path)
	return err == nil && os.SameFile(a, b)
}
