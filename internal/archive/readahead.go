package archive

import "io"

// readahead reads r on a goroutine of its own into a few large buffers, so
// that decompressing and hashing a layer overlaps with the filesystem
// writes that apply it (each took about half of Apply's time on one core).
type readahead struct {
	full   chan chunk
	free   chan []byte
	done   chan struct{}
	exited chan struct{}
	cur    chunk
	off    int
}

type chunk struct {
	buf []byte
	err error
}

const (
	readaheadBufs = 4
	readaheadSize = 1 << 20
)

func newReadahead(r io.Reader) *readahead {
	ra := &readahead{
		full:   make(chan chunk, readaheadBufs),
		free:   make(chan []byte, readaheadBufs),
		done:   make(chan struct{}),
		exited: make(chan struct{}),
	}
	for i := 0; i < readaheadBufs; i++ {
		ra.free <- make([]byte, readaheadSize)
	}
	go ra.fill(r)
	return ra
}

func (ra *readahead) fill(r io.Reader) {
	defer close(ra.exited)
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		n, err := readFull(r, buf)
		if n > 0 {
			ra.full <- chunk{buf: buf[:n]}
		}
		if err != nil {
			ra.full <- chunk{err: err}
			return
		}
	}
}

// readFull is io.ReadFull without its mapping of a short read to
// ErrUnexpectedEOF: a truncated gzip stream reports that error itself, and
// it must reach Apply.
func readFull(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (ra *readahead) Read(p []byte) (int, error) {
	for ra.off == len(ra.cur.buf) {
		if ra.cur.err != nil {
			return 0, ra.cur.err
		}
		if ra.cur.buf != nil {
			ra.free <- ra.cur.buf[:cap(ra.cur.buf)]
		}
		ra.cur, ra.off = <-ra.full, 0
	}
	n := copy(p, ra.cur.buf[ra.off:])
	ra.off += n
	return n, nil
}

// Close stops the goroutine and waits for it, so that r is no longer read
// once Close returns. It may wait for one read of r to finish.
func (ra *readahead) Close() error {
	close(ra.done)
	for {
		select {
		case <-ra.exited:
			return nil
		case <-ra.full: // unblock a pending send
		}
	}
}
