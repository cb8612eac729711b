package cli_test

import (
	"strings"
	"testing"
)

// logs selects lines with --tail and prefixes them with -t; logs -f
// follows until the container stops.
func TestLogs(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "--name", "counter", "busybox", "sh", "-c", "for i in 1 2 3; do echo $i; done")
	if got := ok(t, root, "logs", "--tail", "2", "counter"); got != "2\n3\n" {
		t.Errorf("logs --tail 2: %q", got)
	}
	// stdout and stderr are two pipes: their order in the log is not
	// fixed, so each stream is checked on its own.
	run(t, root, "run", "--name", "grumbler", "busybox", "sh", "-c", "echo oops >&2")
	r := hull(t, root, nil, "logs", "-t", "grumbler")
	stamped := lines(r.stderr)
	if r.stdout != "" || len(stamped) != 1 || !strings.HasSuffix(stamped[0], "Z oops") || len(strings.Fields(stamped[0])[0]) != 30 {
		t.Errorf("logs -t of a stderr line: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	run(t, root, "run", "-d", "--name", "slow", "busybox", "sh", "-c", "echo begin; sleep 0.5; echo end")
	if got := run(t, root, "logs", "-f", "slow"); got != "begin\nend" {
		t.Errorf("logs -f: %q", got)
	}
	if msg := fails(t, root, "logs", "--since", "yesterday", "slow"); !strings.Contains(msg, "invalid time") {
		t.Errorf("logs --since yesterday: %q", msg)
	}
}

// attach joins a running container's output and exits with its exit
// code; start -a runs a stopped one attached.
func TestAttachAndStartA(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "talker", "busybox", "sh", "-c",
		`trap "echo bye; exit 7" TERM; while true; do echo tick; sleep 0.1; done`)
	cmd, out := started(t, root, "attach", "--no-stdin", "talker")
	eventually(t, "output through the attachment", func() bool { return strings.Contains(out(), "tick") })
	run(t, root, "kill", "-s", "TERM", "talker")
	if code := exitCode(t, cmd); code != 7 || !strings.HasSuffix(out(), "tick\nbye\n") {
		t.Errorf("attach: exit %d, output %q; want 7 and the container's last words", code, out())
	}
	if r := hull(t, root, nil, "attach", "talker"); r.code != 125 || !strings.Contains(r.stderr, "stopped container") {
		t.Errorf("attach to a stopped container: exit %d, %q", r.code, r.stderr)
	}
	run(t, root, "create", "--name", "once", "busybox", "sh", "-c", "echo once; exit 3")
	if r := hull(t, root, nil, "start", "-a", "once"); r.code != 3 || r.stdout != "once\n" {
		t.Errorf("start -a: exit %d, stdout %q", r.code, r.stdout)
	}
}

// top lists the container's processes; port has none to show.
func TestTopAndPort(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "sleeper", "busybox", "sleep", "1000")
	// run -d returns once the container's init (hull-init) runs; its
	// child, sleep, may come a moment later.
	var top []string
	eventually(t, "top to list hull-init and sleep", func() bool {
		top = lines(run(t, root, "top", "sleeper"))
		return len(top) == 3
	})
	if !strings.HasPrefix(top[0], "UID ") || !strings.HasSuffix(top[1], "/dev/init -- sleep 1000") || !strings.HasSuffix(top[2], "sleep 1000") {
		t.Errorf("top (hull-init and sleep):\n%s", strings.Join(top, "\n"))
	}
	if got := run(t, root, "port", "sleeper"); got != "" {
		t.Errorf("port: %q", got)
	}
	if msg := fails(t, root, "port", "sleeper", "80"); msg != "hull: no public port '80/tcp' published for sleeper\n" {
		t.Errorf("port sleeper 80: %q", msg)
	}
}

// container prune removes stopped containers only.
func TestContainerPrune(t *testing.T) {
	root := engineRoot(t)
	stopped := run(t, root, "create", "busybox")
	run(t, root, "run", "-d", "--name", "alive", "busybox", "sleep", "1000")
	if got := run(t, root, "container", "prune", "-f"); got != "Deleted Containers:\n"+stopped+"\n\nTotal reclaimed space: 0B" {
		t.Errorf("container prune: %q", got)
	}
	if got := run(t, root, "ps", "-a", "--format", "{{.Names}}"); got != "alive" {
		t.Errorf("after prune: %q", got)
	}
	if r := hull(t, root, nil, "container", "prune"); r.code != 125 {
		t.Errorf("container prune without -f and without a terminal: exit %d", r.code)
	}
}
