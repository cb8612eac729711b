package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// The messages the parent and a spawned process exchange over their socket,
// one JSON object a line. The nsexec preamble speaks the first three.
const (
	msgUserNS    = "userns"    // preamble: write my uid/gid maps, then send one byte
	msgPid       = "pid"       // preamble: the host pid of the process that goes on
	msgError     = "error"     // either side: failed, with message; the sender exits
	msgConfig    = "config"    // parent: the initConfig
	msgHooks     = "hooks"     // init: run prestart and createRuntime hooks now
	msgHooksDone = "hooksDone" // parent: they ran
	msgReady     = "ready"     // init: set up; waits for committed, then on the exec fifo
	msgCommitted = "committed" // parent: the state is saved; init may wait for Start
)

type message struct {
	Type    string      `json:"type"`
	Pid     int         `json:"pid,omitempty"`
	Cgroup2 bool        `json:"cgroup2,omitempty"` // preamble: pid was born in the v2 cgroup
	Message string      `json:"message,omitempty"`
	Config  *initConfig `json:"config,omitempty"`
}

// syncConn is one end of the socket between the parent and a process it
// spawned.
type syncConn struct {
	f   *os.File
	dec *json.Decoder
}

func newSyncConn(f *os.File) *syncConn {
	return &syncConn{f: f, dec: json.NewDecoder(f)}
}

func (s *syncConn) send(m message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = s.f.Write(append(data, '\n'))
	return err
}

// errPeerGone is returned when the other side closed the socket: for the
// parent, the process exec'd (or died) without another word.
var errPeerGone = errors.New("closed the sync socket")

// recv reads the next message; an error message from the peer becomes an
// error, so callers see only the messages they expect.
func (s *syncConn) recv() (message, error) {
	var m message
	if err := s.dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return m, errPeerGone
		}
		return m, fmt.Errorf("reading sync socket: %w", err)
	}
	if m.Type == msgError {
		return m, errors.New(m.Message)
	}
	return m, nil
}

// expect reads the next message and fails unless it has type t.
func (s *syncConn) expect(t string) (message, error) {
	m, err := s.recv()
	if err != nil {
		return m, err
	}
	if m.Type != t {
		return m, fmt.Errorf("sync: expected %q, got %q", t, m.Type)
	}
	return m, nil
}

func (s *syncConn) close() error { return s.f.Close() }
