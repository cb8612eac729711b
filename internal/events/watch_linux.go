package events

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watch tells a follower when the journal may have changed: an append, a
// rotation, a new file. It watches the directory, not the file, so it sees
// the new file a rotation creates.
type watch struct {
	f     *os.File // the inotify descriptor, in Go's poller for deadlines
	names [2]string
	buf   []byte
}

func newWatch(path string) (*watch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("watching events journal: %w", err)
	}
	const mask = unix.IN_MODIFY | unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE
	if _, err := unix.InotifyAddWatch(fd, filepath.Dir(path), mask); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watching events journal directory: %w", err)
	}
	base := filepath.Base(path)
	return &watch{
		f:     os.NewFile(uintptr(fd), "inotify"),
		names: [2]string{base, base + ".1"},
		buf:   make([]byte, 16<<10),
	}, nil
}

func (w *watch) Close() error { return w.f.Close() }

// wait blocks until the journal's files change (true), or deadline
// passes or ctx ends (false). ctx must interrupt the watch when it ends
// (context.AfterFunc(ctx, w.interrupt)).
func (w *watch) wait(ctx context.Context, deadline time.Time) (bool, error) {
	if err := w.f.SetReadDeadline(deadline); err != nil {
		return false, err
	}
	// An interrupt that came before the deadline above was set is undone
	// by it; ctx says so, as it ends before its AfterFunc runs.
	if ctx.Err() != nil {
		return false, nil
	}
	for {
		n, err := w.f.Read(w.buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("watching events journal: %w", err)
		}
		if w.relevant(w.buf[:n]) {
			return true, nil
		}
	}
}

// interrupt makes a wait in progress return at once.
func (w *watch) interrupt() { w.f.SetReadDeadline(time.Unix(1, 0)) }

// relevant reports whether a batch of inotify events concerns the
// journal's files, or lost some (queue overflow), which might have.
func (w *watch) relevant(b []byte) bool {
	for len(b) >= unix.SizeofInotifyEvent {
		ev := (*unix.InotifyEvent)(unsafe.Pointer(&b[0]))
		end := unix.SizeofInotifyEvent + int(ev.Len)
		if ev.Mask&unix.IN_Q_OVERFLOW != 0 || end > len(b) {
			return true
		}
		name := string(bytes.TrimRight(b[unix.SizeofInotifyEvent:end], "\x00"))
		if name == w.names[0] || name == w.names[1] {
			return true
		}
		b = b[end:]
	}
	return false
}
