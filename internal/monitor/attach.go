package monitor

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Attachment is a client's connection to a container's monitor: the
// container's output comes in, input and terminal sizes go out. Any number
// of attachments may be connected at once; each gets all the output from
// the moment it connects. The monitor never waits for an attachment: one
// that falls more than a few MiB behind is disconnected.
type Attachment struct {
	conn net.Conn
	r    *bufio.Reader
	wmu  sync.Mutex // one frame at a time from Stream's input copier and Resize
}

func newAttachment(conn net.Conn) *Attachment {
	return &Attachment{conn: conn, r: bufio.NewReaderSize(conn, 32<<10)}
}

// Dial attaches to the running container whose directory is dir. It fails
// with errdefs.ErrConflict when no monitor listens there.
func Dial(dir string) (*Attachment, error) {
	conn, err := dialMonitor(dir)
	if err != nil {
		return nil, err
	}
	return newAttachment(conn), nil
}

// dialMonitor connects to dir's attach socket through a short path: a unix
// socket's path is limited to 108 bytes, and container directories can be
// longer than that.
func dialMonitor(dir string) (net.Conn, error) {
	dfd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("attaching to %s: %w", dir, err)
	}
	defer unix.Close(dfd)
	conn, err := net.Dial("unix", "/proc/self/fd/"+strconv.Itoa(dfd)+"/"+socketFile)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ECONNREFUSED) {
		return nil, fmt.Errorf("attaching: the container is not running: %w", errdefs.ErrConflict)
	}
	if err != nil {
		return nil, fmt.Errorf("attaching to %s: %w", dir, err)
	}
	return conn, nil
}

// Stream copies stdin to the container and the container's output to
// stdout and stderr (with a terminal, everything arrives on stdout) until
// the container exits, and returns its exit code; or until ctx ends, with
// ctx's error. A nil stdin sends nothing; nil stdout or stderr discard.
// When stdin reaches its end, the monitor is told, which closes the
// container's stdin if it was started with StdinOnce. Input is read in a
// goroutine that may outlive Stream, blocked in stdin.Read.
func (a *Attachment) Stream(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if stdin != nil {
		go a.sendInput(stdin)
	}
	stop := context.AfterFunc(ctx, func() { a.conn.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 32<<10)
	for {
		stream, payload, err := readFrame(a.r, buf)
		if err != nil {
			if ctx.Err() != nil {
				return -1, ctx.Err()
			}
			return -1, fmt.Errorf("attachment ended without the container's exit status: %w", err)
		}
		var w io.Writer
		switch stream {
		case streamStdout:
			w = stdout
		case streamStderr:
			w = stderr
		case streamExit:
			if len(payload) != 4 {
				return -1, fmt.Errorf("attach: exit frame of %d bytes", len(payload))
			}
			return int(int32(binary.BigEndian.Uint32(payload))), nil
		}
		if w != nil {
			if _, err := w.Write(payload); err != nil {
				return -1, err
			}
		}
	}
}

// sendInput copies stdin to the container, then says where it ended.
func (a *Attachment) sendInput(stdin io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			if a.send(streamStdin, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			a.send(streamStdinEOF, nil)
			return
		}
	}
}

// Resize sets the size of the container's terminal.
func (a *Attachment) Resize(rows, cols uint16) error {
	var p [4]byte
	binary.BigEndian.PutUint16(p[:2], rows)
	binary.BigEndian.PutUint16(p[2:], cols)
	return a.send(streamResize, p[:])
}

func (a *Attachment) send(stream byte, payload []byte) error {
	a.wmu.Lock()
	defer a.wmu.Unlock()
	if _, err := a.conn.Write(appendFrame(nil, stream, payload)); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	return nil
}

// Close disconnects; the container goes on.
func (a *Attachment) Close() error {
	return a.conn.Close()
}
