package oci_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// consoleSocket listens where hull-oci sends a terminal's master end and
// returns the path and a channel that yields the received master.
func consoleSocket(t *testing.T) (string, <-chan *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan *os.File, 1)
	go func() {
		defer close(ch)
		conn, err := l.AcceptUnix()
		if err != nil {
			return
		}
		defer conn.Close()
		if _, fd, err := recvFD(conn, make([]byte, 64)); err == nil {
			ch <- os.NewFile(uintptr(fd), "pty-master")
		}
	}()
	return path, ch
}

// recvFD reads one message carrying one descriptor into buf, as hull-oci
// sends a pty master or a seccomp listener.
func recvFD(conn *net.UnixConn, buf []byte) (int, int, error) {
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return 0, -1, err
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return 0, -1, fmt.Errorf("no descriptor in the message")
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return 0, -1, fmt.Errorf("no descriptor in the message")
	}
	return n, fds[0], nil
}

// readUntil reads from the terminal until want shows up or time runs out.
func readUntil(t *testing.T, f *os.File, want string) string {
	t.Helper()
	var out bytes.Buffer
	buf := make([]byte, 1024)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), want) && time.Now().Before(deadline) {
		f.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := f.Read(buf)
		out.Write(buf[:n])
	}
	if !strings.Contains(out.String(), want) {
		t.Fatalf("terminal said %q, want %q in it", out.String(), want)
	}
	return out.String()
}

// With terminal: true, create sends the pty master to --console-socket and
// the container's stdio is the terminal, also at /dev/console; the same
// with either init.
func TestConsoleSocket(t *testing.T) {
	for _, in := range inits {
		t.Run(in.name, func(t *testing.T) { testConsoleSocket(t, in.goInit) })
	}
}

func testConsoleSocket(t *testing.T, goInit bool) {
	e := newEnv(t, "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty; ls -l /dev/console; "+
		"grep -c ' /dev/console ' /proc/self/mountinfo; cat /proc/self/stat | cut -d' ' -f6,7 >/dev/shm/sid; sleep 100")
	e.goInit = goInit
	e.spec.Process.Terminal = true
	e.writeSpec()
	sock, masters := consoleSocket(t)
	e.mustRun("create", "--bundle", e.bundle, "--console-socket", sock, "t1")
	master := <-masters
	if master == nil {
		t.Fatal("no terminal received")
	}
	defer master.Close()
	e.mustRun("start", "t1")
	out := readUntil(t, master, "/dev/console")
	if !strings.Contains(out, "stdio-is-a-tty") || !strings.Contains(out, "136,") {
		t.Errorf("terminal output %q: want stdio on a tty and /dev/console a pts device", out)
	}
	// init leads a session of its own with the pty as its terminal: the
	// session id (field 6) is its pid 1, the tty (field 7) a pts.
	var sid string
	waitFor(t, func() bool {
		out, _, code := e.run("exec", "t1", "cat", "/dev/shm/sid")
		sid = out
		return code == 0 && sid != ""
	})
	if f := strings.Fields(sid); len(f) != 2 || f[0] != "1" || f[1] == "0" {
		t.Errorf("init's session and tty: %q", sid)
	}

	// exec -t gets a terminal of its own the same way.
	sock2, masters2 := consoleSocket(t)
	e.mustRun("exec", "-t", "-d", "--console-socket", sock2, "t1", "sh", "-c", "tty; sleep 100")
	m2 := <-masters2
	if m2 == nil {
		t.Fatal("no terminal received for exec")
	}
	defer m2.Close()
	readUntil(t, m2, "/dev/pts/")
}

// A terminal without a console socket is refused at create.
func TestTerminalNeedsConsoleSocket(t *testing.T) {
	e := newEnv(t, "true")
	e.spec.Process.Terminal = true
	e.writeSpec()
	if _, errOut, code := e.run("create", "--bundle", e.bundle, "t2"); code == 0 || !strings.Contains(errOut, "console") {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	assertNoTrace(t, e, "t2")
}
