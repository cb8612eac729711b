package monitor

import (
	"bytes"
	"testing"
	"time"
)

func TestShouldRestart(t *testing.T) {
	cases := []struct {
		policy   RestartPolicy
		code     int
		restarts int
		stopping bool
		want     bool
	}{
		{RestartPolicy{}, 1, 0, false, false},
		{RestartPolicy{Name: "no"}, 1, 0, false, false},
		{RestartPolicy{Name: "always"}, 0, 100, false, true},
		{RestartPolicy{Name: "always"}, 0, 0, true, false},
		{RestartPolicy{Name: "unless-stopped"}, 3, 0, false, true},
		{RestartPolicy{Name: "unless-stopped"}, 3, 0, true, false},
		{RestartPolicy{Name: "on-failure"}, 0, 0, false, false},
		{RestartPolicy{Name: "on-failure"}, 1, 50, false, true},
		{RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 1, false, true},
		{RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 2, false, false},
		{RestartPolicy{Name: "on-failure", MaxRetries: 2}, 1, 0, true, false},
	}
	for _, c := range cases {
		m := &monitor{cfg: &Config{Restart: c.policy}, stopping: c.stopping}
		m.state.RestartCount = c.restarts
		if got := m.shouldRestart(c.code); got != c.want {
			t.Errorf("%+v, exit %d after %d restarts, stopping %v: restart %v, want %v",
				c.policy, c.code, c.restarts, c.stopping, got, c.want)
		}
	}
}

func TestRestartBackoff(t *testing.T) {
	m := &monitor{cfg: &Config{}}
	var delays []time.Duration
	for _, ran := range []time.Duration{0, time.Second, time.Second, 11 * time.Second, 0} {
		m.scheduleRestart(ran)
		m.restart.Stop()
		delays = append(delays, m.restartDelay)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		100 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
	m.restartDelay = 50 * time.Second
	m.scheduleRestart(0)
	m.restart.Stop()
	if m.restartDelay != time.Minute {
		t.Errorf("delay after 50s is %v, want the one-minute cap", m.restartDelay)
	}
}

func TestStartFailureCode(t *testing.T) {
	for msg, want := range map[string]int{
		`exec: "/nope": stat /nope: no such file or directory`: 127,
		`exec: "nope": executable file not found in $PATH`:     127,
		`exec: "/etc/passwd": permission denied`:               126,
		`cgroup: invalid argument`:                             255,
	} {
		if got := startFailureCode(msg); got != want {
			t.Errorf("%q: %d, want %d", msg, got, want)
		}
	}
}

func TestFrameRoundTrip(t *testing.T) {
	var b []byte
	b = appendFrame(b, streamStdout, []byte("hello"))
	b = appendFrame(b, streamExit, []byte{0, 0, 0, 3})
	b = appendFrame(b, streamStdinEOF, nil)
	if !bytes.Equal(b[:8], []byte{1, 0, 0, 0, 0, 0, 0, 5}) {
		t.Fatalf("header %v, want Docker's stdcopy header", b[:8])
	}
	r := bytes.NewReader(b)
	for _, want := range []struct {
		stream  byte
		payload string
	}{{streamStdout, "hello"}, {streamExit, "\x00\x00\x00\x03"}, {streamStdinEOF, ""}} {
		s, p, err := readFrame(r, nil)
		if err != nil || s != want.stream || string(p) != want.payload {
			t.Fatalf("frame %d %q %v, want %d %q", s, p, err, want.stream, want.payload)
		}
	}
}

// FuzzReadFrame: whatever arrives on the socket, reading frames neither
// panics nor allocates past maxFrame, and the frames read re-encode to as
// many bytes as they took (the header's three padding bytes aside).
func FuzzReadFrame(f *testing.F) {
	f.Add(appendFrame(nil, streamStdout, []byte("x")))
	f.Add([]byte{4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		var again []byte
		consumed := 0
		for {
			s, p, err := readFrame(r, make([]byte, 16))
			if err != nil {
				break
			}
			if len(p) > maxFrame {
				t.Fatalf("payload of %d bytes", len(p))
			}
			again = appendFrame(again, s, p)
			consumed = len(data) - r.Len()
		}
		if len(again) != consumed {
			t.Fatalf("frames of %d bytes read from %d", len(again), consumed)
		}
	})
}
