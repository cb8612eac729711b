package monitor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/logs"
	"github.com/hullrt/hull/internal/runtime"
)

// idle reports whether the monitor pid waits in its preamble: re-executed
// as "idle" and down to one thread, before any Go runtime.
func idle(pid int) bool {
	cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return strings.Contains(string(cmd), "\x00idle\x00") && procStatus(pid, "Threads") == 1
}

// procStatus reads a numeric field of /proc/PID/status (kB for sizes).
func procStatus(pid int, field string) int {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	return -1
}

func monitorPid(t *testing.T, cfg Config) int {
	t.Helper()
	st, err := ReadState(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return st.MonitorPid
}

func waitIdle(t *testing.T, pid int) {
	t.Helper()
	eventually(t, "the monitor to go idle", func() bool { return idle(pid) })
	t.Logf("idle monitor: VmRSS %d kB", procStatus(pid, "VmRSS"))
}

// TestIdleAttachAndPartialLine: attachments wake an idle monitor, and a
// line the container had not finished when the monitor went idle is
// logged whole.
func TestIdleAttachAndPartialLine(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", "printf par; read x; echo tial; read y; echo end")
	cfg.OpenStdin = true
	start(t, cfg, false)
	pid := monitorPid(t, cfg)
	waitIdle(t, pid)

	a, err := Dial(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	in, inw := io.Pipe()
	streamed := make(chan error, 1)
	go func() {
		_, err := a.Stream(context.Background(), in, io.Discard, io.Discard)
		streamed <- err
	}()
	inw.Write([]byte("1\n"))
	eventually(t, "the line's end", func() bool { o, _ := readLog(t, cfg); return o == "partial\n" })
	a.Close()
	<-streamed
	waitIdle(t, pid)

	a, err = Dial(cfg.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var out bytes.Buffer
	code, err := a.Stream(context.Background(), strings.NewReader("2\n"), &out, nil)
	if err != nil || code != 0 || out.String() != "end\n" {
		t.Fatalf("Stream = %d, %v, output %q", code, err, out.String())
	}
	var entries []string
	logs.Read(context.Background(), cfg.Log, logs.ReadOptions{Tail: -1}, func(e logs.Entry) error {
		entries = append(entries, string(e.Line))
		return nil
	})
	if strings.Join(entries, "|") != "partial\n|end\n" {
		t.Errorf("log entries %q", entries)
	}
}

// TestIdleWakesOnOutputAndExit: output written while the monitor is idle
// is logged, and an exit while it is idle is recorded.
func TestIdleWakesOnOutputAndExit(t *testing.T) {
	cfg := newConfig(t, "sh", "-c", `trap "echo late" USR1; echo ready; while :; do sleep 1; done`)
	start(t, cfg, false)
	pid := monitorPid(t, cfg)
	waitIdle(t, pid)
	rt, _ := runtime.New(cfg.RuntimeRoot)
	c, err := rt.Load(cfg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Signal(unix.SIGUSR1, false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "output while idle", func() bool { o, _ := readLog(t, cfg); return o == "ready\nlate\n" })
	waitIdle(t, pid)
	killContainer(t, cfg)
	st := waitExit(t, cfg)
	if st.ExitCode != 137 || st.MonitorPid != pid {
		t.Fatalf("state %+v", st)
	}
}

func TestTerminalAndResize(t *testing.T) {
	cfg := newConfig(t)
	cfg.Tty, cfg.OpenStdin, cfg.ConsoleSize = true, true, [2]uint16{24, 80}
	writeSpec(t, cfg, func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.Args = []string{"sh", "-c", "read a; stty size; read b; stty size; echo err >&2"}
	})
	a := start(t, cfg, true)
	in, inw := io.Pipe()
	out := &syncBuffer{}
	var errs bytes.Buffer
	res := make(chan error, 1)
	var code int
	go func() {
		var err error
		code, err = a.Stream(context.Background(), in, out, &errs)
		res <- err
	}()
	inw.Write([]byte("1\n"))
	eventually(t, "the first size", func() bool { return strings.Contains(out.String(), "24 80\r\n") })
	if err := a.Resize(50, 132); err != nil {
		t.Fatal(err)
	}
	inw.Write([]byte("2\n"))
	if err := <-res; err != nil || code != 0 {
		t.Fatalf("Stream = %d, %v", code, err)
	}
	// The terminal echoes the input, ends lines with \r\n, and carries
	// stderr too.
	if got := out.String(); got != "1\r\n24 80\r\n2\r\n50 132\r\nerr\r\n" || errs.Len() != 0 {
		t.Errorf("output %q, stderr %q", got, errs.String())
	}
	o, e := readLog(t, cfg)
	if o != out.String() || e != "" {
		t.Errorf("logged stdout %q, stderr %q", o, e)
	}
}

// syncBuffer is a bytes.Buffer that a test may read while Stream writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// TestIdleMemory: the target is under 2 MB resident for an idle monitor
// (conmon: ~1 MB; containerd's shim: 5-10 MB). The figures are logged;
// run with HULL_MONITOR_BINARY set to the static build to see the real
// one.
func TestIdleMemory(t *testing.T) {
	cfg := newConfig(t, "sleep", "100")
	start(t, cfg, false)
	pid := monitorPid(t, cfg)
	t.Logf("monitor after start: VmRSS %d kB, %d threads", procStatus(pid, "VmRSS"), procStatus(pid, "Threads"))
	waitIdle(t, pid)
	if rss := procStatus(pid, "VmRSS"); rss <= 0 || rss >= 2048 {
		t.Errorf("idle monitor has VmRSS %d kB, want under 2048", rss)
	}
	MarkStopping(cfg.Dir)
	killContainer(t, cfg)
	waitExit(t, cfg)
}
