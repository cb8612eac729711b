package monitor

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRunRecordsExitCode(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"zero", []string{"true"}, 0},
		{"three", []string{"sh", "-c", "exit 3"}, 3},
		{"killed", []string{"sh", "-c", "echo ready; sleep 100"}, 128 + 9},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := newConfig(t, c.args...)
			start(t, cfg, false)
			if c.name == "killed" {
				killContainer(t, cfg)
			}
			st := waitExit(t, cfg)
			if st.Status != StatusExited || st.ExitCode != c.code {
				t.Fatalf("state %+v, want exited with %d", st, c.code)
			}
			if st.FinishedAt.Before(st.StartedAt) || st.StartedAt.IsZero() {
				t.Errorf("started %v, finished %v", st.StartedAt, st.FinishedAt)
			}
			eventually(t, "the monitor to exit", func() bool {
				st, err := ReadState(cfg.Dir)
				return err == nil && !st.MonitorAlive
			})
		})
	}
}

func TestOutputReachesLogAndAttachment(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "echo out; echo err >&2; printf partial")
	a := start(t, cfg, true)
	var stdout, stderr bytes.Buffer
	code, err := a.Stream(context.Background(), nil, &stdout, &stderr)
	if err != nil || code != 0 {
		t.Fatalf("Stream = %d, %v", code, err)
	}
	if stdout.String() != "out\npartial" || stderr.String() != "err\n" {
		t.Errorf("attached stdout %q, stderr %q", stdout.String(), stderr.String())
	}
	o, e := readLog(t, cfg)
	if o != "out\npartial" || e != "err\n" {
		t.Errorf("logged stdout %q, stderr %q", o, e)
	}
	evs := readEvents(t, cfg)
	if len(evs) != 1 || evs[0].Action != "die" || evs[0].Actor.Attributes["exitCode"] != "0" ||
		evs[0].Actor.Attributes["name"] != cfg.Name || evs[0].Actor.ID != cfg.ID {
		t.Errorf("events %+v, want one die", evs)
	}
}

func TestStdinThroughAttachment(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "read line; echo got $line; cat; echo done")
	cfg.OpenStdin, cfg.StdinOnce = true, true
	a := start(t, cfg, true)
	var stdout bytes.Buffer
	code, err := a.Stream(context.Background(), strings.NewReader("hello\nrest\n"), &stdout, nil)
	if err != nil || code != 0 {
		t.Fatalf("Stream = %d, %v", code, err)
	}
	if got := stdout.String(); got != "got hello\nrest\ndone\n" {
		t.Errorf("output %q", got)
	}
}

// TestSeveralAttachments: a second attachment, dialled while the first
// is connected, sees the output too, and both get the exit code.
func TestSeveralAttachments(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "read x; echo $x; exit 7")
	cfg.OpenStdin = true
	first := start(t, cfg, true)
	second, err := Dial(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	type result struct {
		code int
		out  string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		var out bytes.Buffer
		code, err := second.Stream(context.Background(), nil, &out, nil)
		res <- result{code, out.String(), err}
	}()
	// The second attachment is served once the monitor accepted it; a
	// resize is a no-op without a terminal, but its answer is not
	// needed: input goes through the first, after the second is known.
	time.Sleep(100 * time.Millisecond)
	var out bytes.Buffer
	code, err := first.Stream(context.Background(), strings.NewReader("both\n"), &out, nil)
	r := <-res
	if err != nil || r.err != nil || code != 7 || r.code != 7 {
		t.Fatalf("first %d %v, second %d %v", code, err, r.code, r.err)
	}
	if out.String() != "both\n" || r.out != "both\n" {
		t.Errorf("first saw %q, second %q", out.String(), r.out)
	}
}
