package monitor

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The attach socket carries frames in Docker's stdcopy format: an 8-byte
// header (the stream, three zero bytes, the payload's length as a
// big-endian uint32), then the payload. Streams 0 to 2 are Docker's; the
// others are hull's control messages.
const (
	streamStdin  = 0 // client: input for the container
	streamStdout = 1 // monitor: the container's stdout (everything, with a terminal)
	streamStderr = 2 // monitor: the container's stderr
	// streamStdinEOF (client) ends the client's input; with StdinOnce the
	// container's stdin closes.
	streamStdinEOF = 3
	// streamResize (client) resizes the terminal: rows and columns, each a
	// big-endian uint16.
	streamResize = 4
	// streamExit (monitor) is the last frame: the container exited, with
	// the exit code as a big-endian int32.
	streamExit = 5
	// streamStop (client) tells the monitor the user is stopping the
	// container, so the restart policy must not restart it.
	streamStop = 6
	// streamStopped (monitor) answers streamStop once it is recorded.
	streamStopped = 7
)

const frameHeader = 8

// maxFrame bounds a payload read from the socket, so that a confused peer
// cannot make the other side allocate without limit.
const maxFrame = 1 << 20

// appendFrame appends one frame to b.
func appendFrame(b []byte, stream byte, payload []byte) []byte {
	b = append(b, stream, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(len(payload)))
	return append(b, payload...)
}

// readFrame reads one frame; payload reuses buf when it is large enough.
func readFrame(r io.Reader, buf []byte) (stream byte, payload []byte, err error) {
	var h [frameHeader]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(h[4:])
	if n > maxFrame {
		return 0, nil, fmt.Errorf("attach: frame of %d bytes", n)
	}
	if int(n) <= cap(buf) {
		payload = buf[:n]
	} else {
		payload = make([]byte, n)
	}
	if _, err := io.ReadFull(r, payload); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return h[0], payload, nil
}
