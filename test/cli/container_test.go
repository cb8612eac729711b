package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// run prints the container's output and exits with the container's exit
// code; stderr stays stderr.
func TestRunOutputAndExitCode(t *testing.T) {
	root := engineRoot(t)
	r := hull(t, root, nil, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.code != 3 || r.stdout != "out\n" || r.stderr != "err\n" {
		t.Errorf("run: exit %d, stdout %q, stderr %q; want 3, \"out\\n\", \"err\\n\"", r.code, r.stdout, r.stderr)
	}
	if got := ok(t, root, "run", "--rm", "busybox", "echo", "hello", "-n"); got != "hello -n\n" {
		t.Errorf("flags after the image belong to the command: got %q", got)
	}
	if got := ok(t, root, "container", "run", "--rm", "-e", "A=1", "busybox", "sh", "-c", "echo $A"); got != "1\n" {
		t.Errorf("container run -e: %q", got)
	}
}

// Docker's exit statuses: 125 when hull itself fails, 126 when the command
// cannot be run, 127 when it does not exist.
func TestRunExitCodes(t *testing.T) {
	root := engineRoot(t)
	if msg := fails(t, root, "run", "--pull=never", "nosuch"); msg != "hull: no such image: nosuch:latest\n" {
		t.Errorf("unknown image: %q", msg)
	}
	fails(t, root, "run", "--bogus-flag", "busybox")
	run(t, root, "create", "--name", "taken", "busybox")
	if msg := fails(t, root, "run", "--name", "taken", "busybox", "true"); !strings.Contains(msg, `"/taken" is already in use`) {
		t.Errorf("name in use: %q", msg)
	}
	for _, init := range []string{"--init=true", "--init=false"} {
		if r := hull(t, root, nil, "run", "--rm", init, "busybox", "/no/such/command"); r.code != 127 {
			t.Errorf("run %s of a missing command: exit %d, want 127 (%s)", init, r.code, r.stderr)
		}
		if r := hull(t, root, nil, "run", "--rm", init, "busybox", "/etc/passwd"); r.code != 126 {
			t.Errorf("run %s of a file that is not executable: exit %d, want 126 (%s)", init, r.code, r.stderr)
		}
	}
	if got := lines(run(t, root, "ps", "-a", "--format", "{{.Names}}")); len(got) != 1 || got[0] != "taken" {
		t.Errorf("--rm containers that failed to start are left: %v", got)
	}
}

// A detached container: run -d prints its id; ps, logs, stop and rm see
// it by name; stop lets it exit on SIGTERM.
func TestDetachedLifecycle(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "run", "-d", "--name", "web", "busybox", "sh", "-c",
		`echo started; trap "echo stopping; exit 0" TERM; while true; do sleep 0.1; done`)
	if len(id) != 64 {
		t.Fatalf("run -d printed %q, want a 64-hex id", id)
	}
	ps := lines(run(t, root, "ps"))
	if len(ps) != 2 || strings.Join(strings.Fields(ps[0]), " ") != "CONTAINER ID IMAGE COMMAND CREATED STATUS PORTS NAMES" {
		t.Fatalf("ps:\n%s", strings.Join(ps, "\n"))
	}
	if !strings.HasPrefix(ps[1], id[:12]+"   busybox   \"sh -c echo started;…\"") || !strings.Contains(ps[1], "Up ") || !strings.HasSuffix(ps[1], "web") {
		t.Errorf("ps row: %q", ps[1])
	}
	if got := run(t, root, "ps", "-q"); got != id[:12] {
		t.Errorf("ps -q = %q", got)
	}
	eventually(t, "the first log line", func() bool { return run(t, root, "logs", "web") == "started" })
	if got := run(t, root, "stop", "web"); got != "web" {
		t.Errorf("stop printed %q", got)
	}
	if got := inspect(t, root, "web", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 0" {
		t.Errorf("after stop: %s", got)
	}
	if got := run(t, root, "logs", "web"); got != "started\nstopping" {
		t.Errorf("logs after stop: %q", got)
	}
	if got := run(t, root, "ps", "-a", "--format", "{{.Status}}"); !strings.HasPrefix(got, "Exited (0) ") {
		t.Errorf("ps -a status: %q", got)
	}
	if got := run(t, root, "rm", "web"); got != "web" {
		t.Errorf("rm printed %q", got)
	}
	if got := run(t, root, "ps", "-aq"); got != "" {
		t.Errorf("ps -a after rm: %q", got)
	}
	assertGone(t, root, id)
}

// --rm removes the container, its rootfs mount and its cgroup, whether
// hull waited for it or its monitor did (-d).
func TestRunRmLeavesNothing(t *testing.T) {
	root := engineRoot(t)
	cidfile := filepath.Join(root, "cid")
	run(t, root, "run", "--rm", "--cidfile", cidfile, "-v", "/scratch", "busybox", "true")
	id, _ := os.ReadFile(cidfile)
	if got := run(t, root, "ps", "-aq"); got != "" {
		t.Errorf("ps -a after run --rm: %q", got)
	}
	assertGone(t, root, string(id))
	if got := run(t, root, "volume", "ls", "-q"); got != "" {
		t.Errorf("run --rm left its anonymous volume: %q", got)
	}
	// The directories of the container and its snapshot went to the trash
	// at once; its monitor empties it once `hull run` has removed it.
	eventually(t, "the monitor to empty the trash", func() bool { return trashEmpty(root) })
	assertNoSnapshotDirs(t, root)
	id2 := run(t, root, "run", "-d", "--rm", "busybox", "true")
	eventually(t, "the monitor to remove the container", func() bool { return run(t, root, "ps", "-aq") == "" })
	assertGone(t, root, id2)
	if !trashEmpty(root) {
		t.Errorf("trash left after a monitor's own removal")
	}
	assertNoSnapshotDirs(t, root)
}

// A --rm container lives in the exec root, behind a link (see
// engine.makeDir); after a reboot has emptied the exec root, the link
// dangles, and container prune removes what is left of it: the link, its
// snapshot, its log and its name.
func TestPruneClearsRmContainerLostInReboot(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "create", "--rm", "--name", "lost", "busybox", "echo", "hi")
	if fi, err := os.Lstat(filepath.Join(root, "containers", id)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("a --rm container's directory: %v, %v; want a link into the exec root", fi, err)
	}
	if err := os.RemoveAll(filepath.Join(root, "exec")); err != nil { // the reboot
		t.Fatal(err)
	}
	if got := run(t, root, "ps", "-aq"); got != "" {
		t.Errorf("ps -a lists a --rm container lost in a reboot: %q", got)
	}
	// Older than prune's grace for a create under way.
	old := time.Now().Add(-2 * time.Minute)
	if err := unix.Lutimes(filepath.Join(root, "containers", id), []unix.Timeval{unix.NsecToTimeval(old.UnixNano()), unix.NsecToTimeval(old.UnixNano())}); err != nil {
		t.Fatal(err)
	}
	run(t, root, "container", "prune", "-f")
	if _, err := os.Lstat(filepath.Join(root, "containers", id)); !os.IsNotExist(err) {
		t.Errorf("the dangling link is still there: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(root, "containers", "names", "lost")); !os.IsNotExist(err) {
		t.Errorf("its name is still there: %v", err)
	}
	assertNoSnapshotDirs(t, root)
	run(t, root, "run", "--rm", "--name", "lost", "busybox", "true")
}

// A removal whose monitor was not there to empty the trash leaves it to
// the next `hull rm`.
func TestRmEmptiesTrash(t *testing.T) {
	root := engineRoot(t)
	left := filepath.Join(root, "trash", "left-by-a-killed-monitor")
	if err := os.MkdirAll(filepath.Join(left, "rootfs"), 0o700); err != nil {
		t.Fatal(err)
	}
	id := run(t, root, "create", "busybox", "true")
	run(t, root, "rm", id)
	if !trashEmpty(root) {
		t.Errorf("hull rm left the trash as it was")
	}
}

// trashEmpty tells whether the engine's and the snapshot store's trash
// directories are empty, and nothing of a --rm container is left in the
// exec root or among the logs.
func trashEmpty(root string) bool {
	for _, d := range []string{filepath.Join(root, "trash"), filepath.Join(root, "snapshots", "trash"),
		filepath.Join(root, "exec", "trash"), filepath.Join(root, "exec", "containers"), filepath.Join(root, "logs")} {
		if entries, err := os.ReadDir(d); err != nil && !os.IsNotExist(err) || len(entries) > 0 {
			return false
		}
	}
	return true
}

// assertNoSnapshotDirs checks that only the image's snapshots are left:
// busybox's one layer and the init layer on it.
func assertNoSnapshotDirs(t *testing.T, root string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(root, "snapshots", "snapshots"))
	if err != nil || len(entries) != 2 {
		t.Errorf("snapshot directories left: %v (%v)", entries, err)
	}
}

// hull-init is PID 1 by default and reaps the orphans a container's
// processes leave; with --init=false the command itself is PID 1, and
// orphans stay zombies when it does not reap them.
func TestInit(t *testing.T) {
	root := engineRoot(t)
	if got := run(t, root, "run", "--rm", "busybox", "cat", "/proc/1/cmdline"); !strings.HasPrefix(got, "/dev/init\x00") {
		t.Errorf("PID 1 with --init: %q", got)
	}
	if got := run(t, root, "run", "--rm", "--init=false", "busybox", "sh", "-c", "echo $$"); got != "1" {
		t.Errorf("PID of the command with --init=false: %s", got)
	}
	// The inner shell exits at once and its two sleeps become orphans,
	// reparented to PID 1; exec'd sleep never waits for anything.
	orphans := `sh -c "sleep 0.1 & sleep 0.1 & exit 0"; exec sleep 1000`
	bare := run(t, root, "run", "-d", "--init=false", "busybox", "sh", "-c", orphans)
	pid, _ := strconv.Atoi(inspect(t, root, bare, "{{.State.Pid}}"))
	eventually(t, "two zombies under a PID 1 that does not reap", func() bool { return countState(children(pid), "Z") == 2 })

	reaped := run(t, root, "run", "-d", "busybox", "sh", "-c", orphans)
	pid, _ = strconv.Atoi(inspect(t, root, reaped, "{{.State.Pid}}"))
	eventually(t, "hull-init to reap the orphans", func() bool {
		kids := children(pid)
		return len(kids) == 1 && kids[0].state != "Z" // only the exec'd sleep
	})
}

func countState(ps []procStat, state string) int {
	n := 0
	for _, p := range ps {
		if p.state == state {
			n++
		}
	}
	return n
}

// stop sends the stop signal, then SIGKILL once -t seconds have passed.
func TestStopKillsAfterTimeout(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "stubborn", "busybox", "sh", "-c",
		`trap "echo ignoring TERM" TERM; echo ready; while true; do sleep 0.1; done`)
	eventually(t, "the trap to be set", func() bool { return run(t, root, "logs", "stubborn") == "ready" })
	run(t, root, "stop", "-t", "1", "stubborn")
	if got := inspect(t, root, "stubborn", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("exit code after stop -t 1 of a container ignoring SIGTERM: %s, want 137", got)
	}
	if got := run(t, root, "logs", "stubborn"); got != "ready\nignoring TERM" {
		t.Errorf("logs: %q (SIGTERM came first?)", got)
	}
	run(t, root, "start", "stubborn")
	eventually(t, "the restarted container to be ready", func() bool {
		return strings.HasSuffix(run(t, root, "logs", "stubborn"), "TERM\nready")
	})
	run(t, root, "kill", "-s", "USR1", "stubborn") // sh's default for USR1: exit
	if got := run(t, root, "wait", "stubborn"); got != strconv.Itoa(128+int(syscall.SIGUSR1)) {
		t.Errorf("wait after kill -s USR1 = %s", got)
	}
}

// rm, stop and kill go on after a container they cannot handle, report it
// and exit 1, as Docker's do.
func TestSeveralContainersOneFails(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "create", "--name", "one", "busybox")
	run(t, root, "create", "--name", "two", "busybox")
	r := hull(t, root, nil, "rm", "one", "nosuch", "two")
	if r.code != 1 || r.stdout != "one\ntwo\n" || r.stderr != "hull: no such container: nosuch\n" {
		t.Errorf("rm one nosuch two: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := hull(t, root, nil, "kill", "nosuch"); r.code != 1 || r.stderr != "hull: no such container: nosuch\n" {
		t.Errorf("kill nosuch: exit %d, stderr %q", r.code, r.stderr)
	}
}

// -i passes stdin; -t gives the container a terminal even without one on
// hull's side.
func TestRunStdinAndTty(t *testing.T) {
	root := engineRoot(t)
	r := hull(t, root, strings.NewReader("line one\nline two\n"), "run", "--rm", "-i", "busybox", "sort", "-r")
	if r.code != 0 || r.stdout != "line two\nline one\n" {
		t.Errorf("run -i: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if got := ok(t, root, "run", "--rm", "-t", "busybox", "sh", "-c", "tty >/dev/null && echo tty"); got != "tty\r\n" {
		t.Errorf("run -t: %q, want the pty's \"tty\\r\\n\"", got)
	}
}

// SIGTERM to an attached `hull run` goes to the container, which decides
// how to exit; hull exits with the container's code.
func TestRunProxiesSignals(t *testing.T) {
	root := engineRoot(t)
	cmd, out := started(t, root, "run", "--rm", "--name", "proxied", "busybox", "sh", "-c",
		`trap "exit 42" TERM; echo ready; while true; do sleep 0.1; done`)
	eventually(t, "the container to be ready", func() bool {
		return hull(t, root, nil, "logs", "proxied").stdout == "ready\n"
	})
	cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(t, cmd); code != 42 {
		t.Errorf("hull run after SIGTERM: exit %d, want the container's 42; output %q", code, out())
	}
}

// ps's filters, -n, -l, --no-trunc and --format see what Docker's do.
func TestPsOptions(t *testing.T) {
	root := engineRoot(t)
	first := run(t, root, "create", "--name", "first", "-l", "tier=db", "busybox", "echo", "a very long command line indeed")
	run(t, root, "create", "--name", "second", "busybox")
	if got := run(t, root, "ps", "-q"); got != "" {
		t.Errorf("ps lists created containers: %q", got)
	}
	if got := run(t, root, "ps", "-a", "--format", "{{.Names}}"); got != "second\nfirst" {
		t.Errorf("ps -a, newest first: %q", got)
	}
	if got := run(t, root, "ps", "-l", "--format", "{{.Names}}"); got != "second" {
		t.Errorf("ps -l: %q", got)
	}
	if got := run(t, root, "ps", "-a", "--filter", "label=tier=db", "--format", "{{.Names}} {{.Labels}} {{.Command}}"); got != `first tier=db "echo a very long co…"` {
		t.Errorf("ps --filter label: %q", got)
	}
	if got := run(t, root, "container", "ls", "-a", "-q", "--no-trunc", "--filter", "name=fir"); got != first {
		t.Errorf("container ls --no-trunc --filter name: %q", got)
	}
	if got := run(t, root, "ps", "-a", "--filter", "status=created", "-q"); len(lines(got)) != 2 {
		t.Errorf("ps --filter status=created: %q", got)
	}
	fails(t, root, "ps", "--filter", "bogus=1")
}

// inspect shows containers as Docker's JSON, falls back to images, and
// reports names it does not find with exit 1.
func TestInspect(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "create", "--name", "box", "-m", "64m", "busybox")
	var got []map[string]any
	if err := json.Unmarshal([]byte(run(t, root, "inspect", "box", "busybox")), &got); err != nil || len(got) != 2 {
		t.Fatalf("inspect of a container and an image: %v, %d elements", err, len(got))
	}
	if got[0]["Id"] != id || got[0]["Name"] != "/box" || !strings.HasPrefix(got[1]["Id"].(string), "sha256:") {
		t.Errorf("inspect: container %v %v, image %v", got[0]["Id"], got[0]["Name"], got[1]["Id"])
	}
	if got := inspect(t, root, "box", "{{.HostConfig.Memory}} {{.State.Status}} {{.Config.Image}}"); got != "67108864 created busybox" {
		t.Errorf("inspect -f: %q", got)
	}
	r := hull(t, root, nil, "inspect", "nosuch")
	if r.code != 1 || r.stdout != "[]\n" || r.stderr != "hull: no such object: nosuch\n" {
		t.Errorf("inspect nosuch: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := hull(t, root, nil, "container", "inspect", "busybox"); r.code != 1 {
		t.Errorf("container inspect of an image: exit %d", r.code)
	}
}

// A named volume outlives its containers and is filled from the image the
// first time it is mounted over image content.
func TestNamedVolume(t *testing.T) {
	root := engineRoot(t)
	got := run(t, root, "run", "--rm", "-v", "conf:/etc", "busybox", "sh", "-c", "head -1 /etc/passwd; echo kept > /etc/note")
	if got != "root:x:0:0:root:/root:/bin/sh" {
		t.Errorf("a new volume over /etc holds the image's /etc: %q", got)
	}
	if got := run(t, root, "run", "--rm", "-v", "conf:/mnt:ro", "busybox", "cat", "/mnt/note"); got != "kept" {
		t.Errorf("the volume in a second container: %q", got)
	}
	if got := run(t, root, "volume", "ls", "--format", "{{.Driver}} {{.Name}}"); got != "local conf" {
		t.Errorf("volume ls: %q", got)
	}
	var vols []map[string]any
	json.Unmarshal([]byte(run(t, root, "volume", "inspect", "conf")), &vols)
	if len(vols) != 1 || vols[0]["Mountpoint"] != filepath.Join(root, "volumes", "conf", "_data") {
		t.Errorf("volume inspect: %v", vols)
	}
	run(t, root, "create", "--name", "user", "-v", "conf:/c", "busybox")
	if r := hull(t, root, nil, "volume", "rm", "conf"); r.code != 1 || !strings.Contains(r.stderr, "volume is in use") {
		t.Errorf("volume rm of a volume in use: exit %d, %q", r.code, r.stderr)
	}
	run(t, root, "rm", "user")
	if got := run(t, root, "volume", "rm", "conf"); got != "conf" {
		t.Errorf("volume rm: %q", got)
	}
}

// volume create, prune and rm -f work as Docker's.
func TestVolumeCommands(t *testing.T) {
	root := engineRoot(t)
	if got := run(t, root, "volume", "create", "--label", "team=a", "named"); got != "named" {
		t.Errorf("volume create: %q", got)
	}
	anon := run(t, root, "volume", "create")
	if len(anon) != 64 {
		t.Errorf("volume create without a name printed %q", anon)
	}
	if got := run(t, root, "volume", "ls", "-q", "--filter", "label=team=a"); got != "named" {
		t.Errorf("volume ls --filter: %q", got)
	}
	if got := run(t, root, "volume", "prune", "-f"); got != "Deleted Volumes:\n"+anon+"\n\nTotal reclaimed space: 0B" {
		t.Errorf("volume prune (anonymous only): %q", got)
	}
	if got := run(t, root, "volume", "prune", "-f", "-a"); !strings.HasPrefix(got, "Deleted Volumes:\nnamed\n") {
		t.Errorf("volume prune -a: %q", got)
	}
	if got := run(t, root, "volume", "rm", "-f", "gone"); got != "gone" {
		t.Errorf("volume rm -f of a missing volume: %q", got)
	}
}

// -v binds a host directory, read-only with :ro; --volumes-from shares
// another container's volumes.
func TestBindsAndVolumesFrom(t *testing.T) {
	root := engineRoot(t)
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "f"), []byte("from the host\n"), 0o644)
	r := hull(t, root, nil, "run", "--rm", "-v", host+":/data:ro", "busybox", "sh", "-c", "cat /data/f; touch /data/new")
	if r.code == 0 || r.stdout != "from the host\n" || !strings.Contains(r.stderr, "Read-only file system") {
		t.Errorf("-v :ro: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	run(t, root, "run", "--rm", "-v", host+":/data", "busybox", "touch", "/data/new")
	if _, err := os.Stat(filepath.Join(host, "new")); err != nil {
		t.Errorf("a rw bind did not write to the host: %v", err)
	}
	run(t, root, "create", "--name", "owner", "-v", "shared:/shared", "busybox")
	run(t, root, "run", "--rm", "--volumes-from", "owner", "busybox", "sh", "-c", "echo via-from > /shared/x")
	if got := run(t, root, "run", "--rm", "-v", "shared:/s", "busybox", "cat", "/s/x"); got != "via-from" {
		t.Errorf("--volumes-from: %q", got)
	}
}

// exec runs a process in a running container with -e, -w and -u, passes
// stdin with -i, a terminal with -t, and exits with the process's status.
func TestExec(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "box", "busybox", "sleep", "1000")
	got := run(t, root, "exec", "-e", "FOO=bar", "-w", "/tmp", "-u", "nobody", "box", "sh", "-c", "echo $FOO; pwd; id -u")
	if got != "bar\n/tmp\n65534" {
		t.Errorf("exec -e -w -u: %q", got)
	}
	if r := hull(t, root, nil, "exec", "box", "sh", "-c", "exit 5"); r.code != 5 {
		t.Errorf("exec exit status: %d", r.code)
	}
	if r := hull(t, root, strings.NewReader("piped\n"), "exec", "-i", "box", "cat"); r.stdout != "piped\n" {
		t.Errorf("exec -i: %q", r.stdout)
	}
	if got := ok(t, root, "exec", "-t", "box", "echo", "hi"); got != "hi\r\n" {
		t.Errorf("exec -t: %q", got)
	}
	if r := hull(t, root, nil, "exec", "box", "/no/such"); r.code != 127 {
		t.Errorf("exec of a missing command: exit %d, want 127", r.code)
	}
	run(t, root, "exec", "-d", "box", "touch", "/tmp/detached")
	eventually(t, "exec -d to run", func() bool { return hull(t, root, nil, "exec", "box", "test", "-e", "/tmp/detached").code == 0 })
	run(t, root, "stop", "-t", "0", "box")
	if r := hull(t, root, nil, "exec", "box", "true"); r.code != 125 || !strings.Contains(r.stderr, "is not running") {
		t.Errorf("exec in a stopped container: exit %d, %q", r.code, r.stderr)
	}
}

// update changes a running container's memory limit: inspect and the
// cgroup both show it.
func TestUpdateMemory(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "run", "-d", "-m", "64m", "busybox", "sleep", "1000")
	limit := func() string {
		b, _ := os.ReadFile(filepath.Join("/sys/fs/cgroup/memory/hull", id, "memory.limit_in_bytes"))
		return strings.TrimSpace(string(b))
	}
	if got := limit(); got != "67108864" {
		t.Fatalf("memory.limit_in_bytes after -m 64m: %s", got)
	}
	run(t, root, "update", "--memory", "128m", "--memory-swap", "256m", id)
	if got := inspect(t, root, id, "{{.HostConfig.Memory}}"); got != "134217728" {
		t.Errorf("inspect after update: %s", got)
	}
	if got := limit(); got != "134217728" {
		t.Errorf("memory.limit_in_bytes after update: %s", got)
	}
	stats := run(t, root, "stats", "--no-stream", "--format", "{{.ID}} {{.MemUsage}} {{.PIDs}}", id)
	if !strings.HasPrefix(stats, id[:12]+" ") || !strings.Contains(stats, " / 128MiB ") {
		t.Errorf("stats: %q", stats)
	}
	if got := lines(run(t, root, "stats", "--no-stream")); len(got) != 2 || !strings.HasPrefix(got[0], "CONTAINER ID   NAME ") {
		t.Errorf("stats table: %q", got)
	}
	fails(t, root, "update", id)
}

// pause freezes every process; unpause thaws them.
func TestPauseUnpause(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "run", "-d", "--name", "frozen", "busybox", "sleep", "1000")
	run(t, root, "pause", "frozen")
	if got := inspect(t, root, "frozen", "{{.State.Status}} {{.State.Paused}}"); got != "paused true" {
		t.Errorf("after pause: %s", got)
	}
	if got := run(t, root, "ps", "--format", "{{.Status}}"); !strings.HasSuffix(got, "(Paused)") {
		t.Errorf("ps of a paused container: %q", got)
	}
	b, _ := os.ReadFile(filepath.Join("/sys/fs/cgroup/freezer/hull", id, "freezer.state"))
	if strings.TrimSpace(string(b)) != "FROZEN" {
		t.Errorf("freezer.state: %q", b)
	}
	run(t, root, "unpause", "frozen")
	if got := inspect(t, root, "frozen", "{{.State.Status}}"); got != "running" {
		t.Errorf("after unpause: %s", got)
	}
}

// rename changes the name every command finds the container by.
func TestRename(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "create", "--name", "before", "busybox")
	run(t, root, "rename", "before", "after")
	if got := inspect(t, root, "after", "{{.Id}} {{.Name}}"); got != id+" /after" {
		t.Errorf("inspect after rename: %s", got)
	}
	if r := hull(t, root, nil, "inspect", "before"); r.code != 1 {
		t.Errorf("the old name still finds the container")
	}
	run(t, root, "create", "--name", "other", "busybox")
	if msg := fails(t, root, "rename", "after", "other"); !strings.Contains(msg, "already in use") {
		t.Errorf("rename to a taken name: %q", msg)
	}
}

// events shows a container's life: create, start, die, destroy.
func TestEvents(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "run", "-d", "--name", "evented", "busybox", "true")
	history := func() string {
		return run(t, root, "events", "--since", "0", "--until", "0s", "--filter", "container="+id,
			"--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
	}
	// The monitor records the death; wait for it before the removal.
	eventually(t, "the die event", func() bool { return strings.HasSuffix(history(), "container die evented") })
	run(t, root, "rm", "evented")
	got := history()
	want := "container create evented\ncontainer start evented\ncontainer die evented\ncontainer destroy evented"
	if got != want {
		t.Errorf("events:\n%s\nwant:\n%s", got, want)
	}
	line := run(t, root, "events", "--since", "0", "--until", "0s", "--filter", "event=create")
	if !strings.Contains(line, " container create "+id+" (image=busybox, name=evented)") {
		t.Errorf("events line: %q", line)
	}
}

// A monitor killed with SIGKILL leaves its container running: ps says so,
// and rm -f still removes everything.
func TestKilledMonitor(t *testing.T) {
	root := engineRoot(t)
	id := run(t, root, "run", "-d", "busybox", "sleep", "1000")
	pid, _ := strconv.Atoi(inspect(t, root, id, "{{.State.Pid}}"))
	mon := monitorPid(t, root, id)
	syscall.Kill(mon, syscall.SIGKILL)
	eventually(t, "the monitor to die", func() bool { return !processAlive(mon) })
	if got := run(t, root, "ps", "--format", "{{.ID}} {{.State}}"); got != id[:12]+" running" {
		t.Errorf("ps after the monitor died: %q", got)
	}
	run(t, root, "rm", "-f", id)
	if processAlive(pid) {
		t.Errorf("the container's init %d survived rm -f", pid)
	}
	assertGone(t, root, id)
}

// A hundred `hull run -d` at once all succeed; rm -f removes them all.
func TestParallelRuns(t *testing.T) {
	root := engineRoot(t)
	const n = 100
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := hull(t, root, nil, "run", "-d", "busybox", "sleep", "1000")
			if r.code != 0 || len(strings.TrimSpace(r.stdout)) != 64 {
				errs <- fmt.Sprintf("run %d: exit %d: %s", i, r.code, r.stderr)
			}
			ids[i] = strings.TrimSpace(r.stdout)
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := len(lines(run(t, root, "ps", "-q"))); got != n {
		t.Errorf("ps lists %d running containers, want %d", got, n)
	}
	run(t, root, append([]string{"rm", "-f"}, ids...)...)
	for _, id := range ids {
		assertGone(t, root, id)
	}
}
