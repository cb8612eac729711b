package monitor

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// maxQueued is how far an attachment may fall behind before the monitor
// drops it: the container and the log never wait for a slow reader.
const maxQueued = 4 << 20

// client is the monitor's side of one attachment: a queue of frames that
// its writer goroutine drains, and a reader goroutine for what the client
// sends.
type client struct {
	m    *monitor
	conn net.Conn
	wake chan struct{}

	mu      sync.Mutex
	queue   [][]byte
	queued  int
	closing bool // nothing more is queued; close once the queue is out

	wroteInput bool // reader goroutine only
	removes    bool // removes the container (Config.FirstClientRemoves)
}

// listen binds the attach socket. It is made with raw system calls so the
// monitor keeps the descriptor's number to hand over when it goes idle;
// the bind goes through /proc/self/fd because Dir may be longer than a
// socket path can be.
func (m *monitor) listen() error {
	dfd, err := unix.Open(m.cfg.Dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("attach socket: %w", err)
	}
	defer unix.Close(dfd)
	path := "/proc/self/fd/" + strconv.Itoa(dfd) + "/" + socketFile
	unix.Unlink(path) // left by a monitor that was killed
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("attach socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return fmt.Errorf("attach socket: %w", err)
	}
	if err := unix.Listen(fd, 16); err != nil {
		unix.Close(fd)
		return fmt.Errorf("attach socket: %w", err)
	}
	return m.serve(fd)
}

// serve accepts attachments on the listening socket fd.
func (m *monitor) serve(fd int) error {
	f := os.NewFile(uintptr(fd), "attach.sock")
	l, err := net.FileListener(f) // a duplicate; f stays ours
	if err != nil {
		f.Close()
		return fmt.Errorf("attach socket: %w", err)
	}
	m.listenFile, m.listenFD, m.listener = f, fd, l.(*net.UnixListener)
	m.startAccepting()
	return nil
}

func (m *monitor) startAccepting() {
	m.accepting.Add(1)
	go func() {
		defer m.accepting.Done()
		for {
			conn, err := m.listener.Accept()
			if err != nil {
				return // closed, or a deadline: going idle
			}
			m.touch()
			m.addClient(newClient(m, conn))
		}
	}()
}

// closeListener stops accepting and removes the socket: the monitor is
// leaving.
func (m *monitor) closeListener() {
	if m.listener == nil {
		return
	}
	os.Remove(m.path(socketFile))
	m.listener.Close()
	m.accepting.Wait()
	m.listenFile.Close()
	m.listener, m.listenFile, m.listenFD = nil, nil, -1
}

// inheritedClient wraps the socketpair end Start passed at fd 4.
func (m *monitor) inheritedClient(f *os.File) (*client, error) {
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("attachment: %w", err)
	}
	return newClient(m, conn), nil
}

func newClient(m *monitor, conn net.Conn) *client {
	return &client{m: m, conn: conn, wake: make(chan struct{}, 1)}
}

func (m *monitor) addClient(c *client) {
	m.clientsMu.Lock()
	m.clients[c] = struct{}{}
	m.clientsMu.Unlock()
	m.writing.Add(1)
	go c.writeLoop()
	go c.readLoop()
}

func (m *monitor) clientCount() int {
	m.clientsMu.Lock()
	defer m.clientsMu.Unlock()
	return len(m.clients)
}

// broadcast queues one frame of output for every attachment.
func (m *monitor) broadcast(id byte, p []byte) {
	m.clientsMu.Lock()
	defer m.clientsMu.Unlock()
	if len(m.clients) == 0 {
		return
	}
	frame := appendFrame(make([]byte, 0, frameHeader+len(p)), id, p)
	for c := range m.clients {
		c.enqueue(frame, false)
	}
}

// endClients sends every attachment the exit code as its last frame, and
// notes whether the one that removes the container was among them.
func (m *monitor) endClients(code int) {
	var p [4]byte
	binary.BigEndian.PutUint32(p[:], uint32(int32(code)))
	frame := appendFrame(nil, streamExit, p[:])
	m.clientsMu.Lock()
	defer m.clientsMu.Unlock()
	for c := range m.clients {
		m.clientRemoves = m.clientRemoves || c.removes
		c.enqueue(frame, true)
		delete(m.clients, c)
	}
}

// enqueue queues frame (shared, never modified); with last, the writer
// closes the connection after it. A client too far behind is dropped.
func (c *client) enqueue(frame []byte, last bool) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	if c.queued+len(frame) > maxQueued {
		c.closing, c.queue = true, nil
		c.mu.Unlock()
		c.m.warn("dropping an attachment that stopped reading")
		c.conn.Close()
		c.signal()
		return
	}
	c.queue = append(c.queue, frame)
	c.queued += len(frame)
	c.closing = last
	c.mu.Unlock()
	c.signal()
}

func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *client) writeLoop() {
	defer c.m.writing.Done()
	for range c.wake {
		c.mu.Lock()
		q, closing := c.queue, c.closing
		c.queue, c.queued = nil, 0
		c.mu.Unlock()
		bufs := net.Buffers(q)
		if _, err := bufs.WriteTo(c.conn); err != nil || closing {
			c.conn.Close()
			return
		}
	}
}

// readLoop handles what the client sends until it goes away.
func (c *client) readLoop() {
	r := bufio.NewReaderSize(c.conn, 32<<10)
	buf := make([]byte, 32<<10)
	for {
		stream, p, err := readFrame(r, buf)
		if err != nil {
			break
		}
		c.m.touch()
		switch stream {
		case streamStdin:
			c.wroteInput = true
			c.m.in.write(p)
		case streamStdinEOF:
			if c.m.cfg.StdinOnce {
				c.m.in.closeInput()
			}
		case streamResize:
			if rows, cols, ok := parseResize(p); ok {
				c.m.in.resize(rows, cols)
			}
		case streamStop:
			c.m.stops <- c
		}
	}
	c.m.removeClient(c)
}

// removeClient forgets a client that went away. Docker's StdinOnce: the
// container's stdin ends with the attachment that wrote to it, unless it
// is a terminal (a user who detached with the detach keys attaches again
// and types on).
func (m *monitor) removeClient(c *client) {
	m.clientsMu.Lock()
	_, ok := m.clients[c]
	delete(m.clients, c)
	m.clientsMu.Unlock()
	if ok {
		c.enqueue(nil, true)
	}
	if c.wroteInput && m.cfg.StdinOnce && !m.cfg.Tty {
		m.in.closeInput()
	}
}

// flushClients gives the attachments' writers up to timeout to send what
// is queued, the exit code last, before the monitor exits.
func (m *monitor) flushClients(timeout time.Duration) {
	done := make(chan struct{})
	go func() {
		m.writing.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}
