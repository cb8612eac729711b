package events

import (
	"bytes"
	"io"
)

// maxPending bounds the bytes a lineReader holds waiting for a newline.
// Real lines are under maxLine; anything longer is garbage to drop.
const maxPending = 64 << 10

// lineReader yields the complete lines of a file that may still grow: a
// last line without its newline is held back until the rest of it is
// written, because an append may be seen half-done by a reader.
type lineReader struct {
	r       io.Reader
	buf     []byte // read but not yet returned, starting at a line
	chunk   []byte
	discard bool // dropping an over-long line up to its newline
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: r, chunk: make([]byte, 32<<10)}
}

// each calls fn for every complete line available now (without the
// newline), reading until the end of the file, and stops early if fn
// returns an error.
func (lr *lineReader) each(fn func(line []byte) error) error {
	for {
		n, err := lr.r.Read(lr.chunk)
		lr.buf = append(lr.buf, lr.chunk[:n]...)
		if ferr := lr.flush(fn); ferr != nil {
			return ferr
		}
		if err == io.EOF || n == 0 && err == nil {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// flush passes on the complete lines in buf and keeps the rest.
func (lr *lineReader) flush(fn func(line []byte) error) error {
	for {
		i := bytes.IndexByte(lr.buf, '\n')
		if i < 0 {
			break
		}
		line := lr.buf[:i]
		lr.buf = lr.buf[i+1:]
		if lr.discard {
			lr.discard = false
			continue
		}
		if err := fn(line); err != nil {
			return err
		}
	}
	if len(lr.buf) > maxPending {
		lr.buf, lr.discard = nil, true
	}
	// Move the partial line to the front so buf does not grow forever.
	lr.buf = bytes.Clone(lr.buf)
	return nil
}
