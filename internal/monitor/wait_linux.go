package monitor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/proc"
)

// WaitExit blocks until the monitor of the container in dir has recorded
// the container's final exit (no restart pending), or the monitor is gone,
// and returns the state then (MonitorAlive tells which). It returns a nil
// State when no monitor ever ran there. It sleeps in poll(2) on an inotify
// watch of dir, which the state file's replacement wakes, and on a pidfd
// of the monitor, which its death wakes.
func WaitExit(ctx context.Context, dir string) (*State, error) {
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("waiting for exit: %w", err)
	}
	defer unix.Close(ifd)
	// Watched before the first read, so no change can fall in between.
	if _, err := unix.InotifyAddWatch(ifd, dir, unix.IN_MOVED_TO|unix.IN_CLOSE_WRITE); err != nil {
		return nil, fmt.Errorf("waiting for exit: %w", err)
	}
	wake, err := newWaker(ctx)
	if err != nil {
		return nil, err
	}
	defer wake.close()
	pidfd := -1
	defer func() {
		if pidfd >= 0 {
			unix.Close(pidfd)
		}
	}()
	for {
		st, err := ReadState(dir)
		if errors.Is(err, errdefs.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if st.Status == StatusExited || !st.MonitorAlive {
			return st, nil
		}
		if pidfd < 0 {
			pidfd = openPidfd(st.MonitorPid, st.MonitorStart)
		}
		if err := waitReadable(ifd, pidfd, wake.fd); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		drain(ifd)
	}
}

// openPidfd returns a pidfd for the process pid that started at start, or
// -1 (an old kernel; the process is gone). The start time is checked after
// the pidfd is opened: before, the pid might have named another process.
func openPidfd(pid int, start uint64) int {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return -1
	}
	if !proc.Alive(pid, start) {
		unix.Close(fd)
		return -1
	}
	return fd
}

// waitReadable sleeps until the inotify watch, the pidfd or the waker is
// readable. Without a pidfd it wakes each second, to look at the monitor's
// pid again.
func waitReadable(ifd, pidfd, wakefd int) error {
	fds := []unix.PollFd{{Fd: int32(ifd), Events: unix.POLLIN}, {Fd: int32(wakefd), Events: unix.POLLIN}}
	timeout := 1000
	if pidfd >= 0 {
		fds = append(fds, unix.PollFd{Fd: int32(pidfd), Events: unix.POLLIN})
		timeout = -1
	}
	for {
		_, err := unix.Poll(fds, timeout)
		if err == nil {
			return nil
		}
		if err != unix.EINTR {
			return fmt.Errorf("waiting for exit: %w", err)
		}
	}
}

func drain(fd int) {
	buf := make([]byte, 4096)
	for {
		if _, err := unix.Read(fd, buf); err != nil {
			return
		}
	}
}

// waker is an eventfd that becomes readable when ctx ends, so that a
// poll(2) can wait for ctx too.
type waker struct {
	f    *os.File // written by ctx's AfterFunc; closing it makes a late write fail safely
	fd   int
	stop func() bool
}

func newWaker(ctx context.Context) (*waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("creating an eventfd: %w", err)
	}
	w := &waker{f: os.NewFile(uintptr(fd), "waker"), fd: fd}
	w.stop = context.AfterFunc(ctx, func() {
		w.f.Write([]byte{1, 0, 0, 0, 0, 0, 0, 0})
	})
	return w, nil
}

func (w *waker) close() {
	w.stop()
	w.f.Close()
}

// MarkStopping records that the user is stopping the container in dir, so
// that its restart policy does not start it again when it exits. Call it
// before signalling the container. With no monitor running it does
// nothing: there is nobody to restart the container.
func MarkStopping(dir string) error {
	conn, err := dialMonitor(dir)
	if errors.Is(err, errdefs.ErrConflict) {
		return nil
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = conn.Write(appendFrame(nil, streamStop, nil))
	a := newAttachment(conn)
	buf := make([]byte, 32<<10)
	for err == nil {
		var stream byte
		if stream, _, err = readFrame(a.r, buf); err != nil {
			break
		}
		// The container's exit frame also says no restart will follow.
		if stream == streamStopped || stream == streamExit {
			return nil
		}
	}
	// A monitor that dies as it is told (its socket still open while its
	// last threads exit) will not restart anything either.
	if errors.Is(err, io.EOF) || errors.Is(err, unix.ECONNRESET) || errors.Is(err, unix.EPIPE) {
		return nil
	}
	return fmt.Errorf("telling the monitor to stop: %w", err)
}
