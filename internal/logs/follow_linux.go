package logs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// followPoll is how long a following reader sleeps between looks at ctx
// and Done when the files do not change. Changes themselves wake it at once
// through inotify.
const followPoll = 250

// follow reads what is appended to cur (the current file when the read
// started; nil if there was none) and to the files that replace it, until
// ctx ends or opts.Done says the writer is gone.
func (r *reader) follow(ctx context.Context, cfg Config, cur *os.File) error {
	defer func() {
		if cur != nil {
			cur.Close()
		}
	}()
	ifd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("following logs: %w", err)
	}
	defer unix.Close(ifd)
	// The directory, not the file: it also tells of the file's creation
	// and of rotations, and keeps working whichever file is current.
	mask := uint32(unix.IN_MODIFY | unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE)
	if _, err := unix.InotifyAddWatch(ifd, filepath.Dir(cfg.Path), mask); err != nil {
		return fmt.Errorf("following logs: %w", err)
	}
	for {
		// Done is asked before the last pass over the files, so that
		// everything written before the writer finished is read.
		done := r.opts.Done != nil && r.opts.Done()
		if cur, err = r.catchUp(cfg, cur); err != nil {
			return err
		}
		if done {
			return nil
		}
		if err := waitChange(ctx, ifd); err != nil {
			return err
		}
	}
}

// catchUp reads cur to its end and, while cur has been rotated away, the
// files after it, and returns the file that is current now.
func (r *reader) catchUp(cfg Config, cur *os.File) (*os.File, error) {
	for {
		if cur == nil {
			f, err := os.Open(cfg.Path)
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			cur = f
		}
		if err := r.readFollowed(cur); err != nil {
			return cur, err
		}
		next, err := successor(cfg, cur)
		if err != nil || next == nil {
			return cur, err
		}
		cur.Close()
		cur = next
		r.partial = r.partial[:0]
	}
}

// readFollowed reads cur from where the last read stopped, starting over
// when the file was truncated (a rotation with MaxFiles 1).
func (r *reader) readFollowed(cur *os.File) error {
	pos, err := cur.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	st, err := cur.Stat()
	if err != nil {
		return err
	}
	if st.Size() < pos {
		if _, err := cur.Seek(0, io.SeekStart); err != nil {
			return err
		}
		r.partial = r.partial[:0]
	}
	return r.readAvailable(cur)
}

// successor returns the file written after cur once cur has been rotated,
// or nil while cur is still the current file. Rotation renamed cur to
// Path.k; the file after it is Path.k-1 (Path for k = 1). If cur is gone
// altogether, the writer rotated faster than this reader read, and it goes
// on with the oldest file left.
func successor(cfg Config, cur *os.File) (*os.File, error) {
	ino := inode(cur)
	if st, err := os.Stat(cfg.Path); err != nil || statInode(st) == ino {
		return nil, nil // still current, or the new file is not there yet
	}
	oldest := 0
	for k := 1; ; k++ {
		st, err := os.Stat(cfg.rotated(k))
		if err != nil {
			break
		}
		oldest = k
		if statInode(st) == ino {
			return openExisting(cfg.rotated(k - 1))
		}
	}
	return openExisting(cfg.rotated(oldest))
}

func openExisting(path string) (*os.File, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // rotated again meanwhile: the next pass finds it
	}
	return f, err
}

// waitChange sleeps until something changes in the log's directory, at
// most followPoll milliseconds, and drains the events.
func waitChange(ctx context.Context, ifd int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fds := []unix.PollFd{{Fd: int32(ifd), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, followPoll); err != nil && err != unix.EINTR {
		return fmt.Errorf("following logs: %w", err)
	}
	buf := make([]byte, 4096)
	for {
		if _, err := unix.Read(ifd, buf); err != nil {
			break
		}
	}
	return ctx.Err()
}

func inode(f *os.File) uint64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return statInode(st)
}

func statInode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}
