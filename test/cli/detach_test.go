package cli_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The detach keys (ctrl-p ctrl-q, or --detach-keys) end `run -it` with
// status 0 and leave the container running; `attach` joins it again and
// detaches the same way with its own keys. A key that only starts the
// sequence reaches the container.
func TestDetachKeys(t *testing.T) {
	root := engineRoot(t)
	session := func(args ...string) (*exec.Cmd, func(string), func() string) {
		master, slave := openPty(t)
		cmd := startOnTerminal(t, slave, append([]string{"--root", root}, args...)...)
		return cmd, func(s string) { master.Write([]byte(s)) }, readAll(master)
	}

	cmd, typeIn, out := session("run", "-it", "--name", "sh1", "busybox", "sh")
	eventually(t, "the shell to answer", func() bool { typeIn("echo o''k\r"); return strings.Contains(out(), "ok\r\n") })
	typeIn("\x10echo s''een\r") // ctrl-p alone is passed on (the shell ignores it)
	eventually(t, "input after a lone ctrl-p", func() bool { return strings.Contains(out(), "seen\r\n") })
	typeIn("\x10\x11")
	if code := exitCode(t, cmd); code != 0 {
		t.Errorf("run -it after ctrl-p ctrl-q: exit %d, output %q", code, out())
	}
	if got := inspect(t, root, "sh1", "{{.State.Running}}"); got != "true" {
		t.Fatalf("the container stopped when the session detached: running=%s", got)
	}

	cmd, typeIn, out = session("attach", "--detach-keys", "ctrl-x,y", "sh1")
	eventually(t, "the shell to answer through attach", func() bool { typeIn("echo a''gain\r"); return strings.Contains(out(), "again\r\n") })
	typeIn("\x18y")
	if code := exitCode(t, cmd); code != 0 {
		t.Errorf("attach after its detach keys: exit %d, output %q", code, out())
	}
	if got := inspect(t, root, "sh1", "{{.State.Running}}"); got != "true" {
		t.Errorf("the container stopped when attach detached: running=%s", got)
	}
	if r := hull(t, root, nil, "attach", "--detach-keys", "ctrl-1", "sh1"); r.code != 125 || !strings.Contains(r.stderr, "invalid detach keys") {
		t.Errorf("bad --detach-keys: exit %d, %q", r.code, r.stderr)
	}
}

// run -a joins only the streams named; -a and -d conflict.
func TestRunAttachStreams(t *testing.T) {
	root := engineRoot(t)
	r := hull(t, root, nil, "run", "--rm", "-a", "stderr", "busybox", "sh", "-c", "echo out; echo err >&2")
	if r.code != 0 || r.stdout != "" || r.stderr != "err\n" {
		t.Errorf("-a stderr: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = hull(t, root, strings.NewReader("typed\n"), "run", "--rm", "-i", "-a", "STDIN", "-a", "stdout", "busybox", "sh", "-c", "cat; echo err >&2")
	if r.code != 0 || r.stdout != "typed\n" || r.stderr != "" {
		t.Errorf("-a stdin -a stdout: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := hull(t, root, nil, "run", "-d", "-a", "stdout", "busybox", "true"); r.code != 125 || !strings.Contains(r.stderr, "conflicting options") {
		t.Errorf("-a with -d: exit %d, %q", r.code, r.stderr)
	}
}
