package reaper

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Orphans re-parented to hull-init are reaped when they exit, while the
// command still runs: no zombie stays behind.
func TestOrphansAreReaped(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			// Each subshell starts a cat and exits, so the cats are
			// orphans; they block on a pipe until the test closes it.
			release, hold, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			defer hold.Close()
			p := newInit(t, m, "sh", "-c",
				"for i in 1 2 3; do (cat <&3 >/dev/null &); done; echo ready; exec sleep 1000")
			p.cmd.ExtraFiles = []*os.File{release}
			p = withOutputPipe(t, p)
			release.Close()
			p.expect(t, "ready")

			pid := p.cmd.Process.Pid
			if kids := children(t, pid); len(kids) != 4 {
				t.Fatalf("hull-init has %d children, want the command and 3 orphans: %v", len(kids), kids)
			}
			hold.Close()
			waitChildren(t, pid, 1)
			p.signal(t, unix.SIGTERM)
			if got := p.wait(t); got != 143 {
				t.Errorf("hull-init exited %d, want 143", got)
			}
		})
	}
}

// hull-init exits when its command does, without waiting for orphans that
// still run; leaving the pid namespace kills them.
func TestRunningOrphansDoNotDelayExit(t *testing.T) {
	p := startInit(t, asPID1, "sh", "-c", "(exec sleep 1000 &); echo ready; exec sleep 1000")
	p.expect(t, "ready")
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if kids := children(t, p.cmd.Process.Pid); len(kids) != 2 {
		t.Fatalf("hull-init has %d children, want the command and an orphan: %v", len(kids), kids)
	}
	p.signal(t, unix.SIGTERM)
	if got := p.wait(t); got != 143 {
		t.Errorf("hull-init exited %d, want 143", got)
	}
	for _, pid := range allPIDs(t) {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid)); l == ns {
			t.Errorf("process %d still runs in hull-init's pid namespace", pid)
		}
	}
}

// waitChildren waits until pid has exactly n children, and when patience
// runs out fails saying how many are zombies.
func waitChildren(t *testing.T, pid, n int) {
	t.Helper()
	var kids map[int]string
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if kids = children(t, pid); len(kids) == n {
			return
		}
	}
	zombies := 0
	for _, state := range kids {
		if state == "Z" {
			zombies++
		}
	}
	t.Fatalf("hull-init still has %d children, %d of them zombies: %v", len(kids), zombies, kids)
}

// children maps each child of pid to its state letter (R, S, Z...), from
// /proc.
func children(t *testing.T, pid int) map[int]string {
	t.Helper()
	kids := map[int]string{}
	for _, p := range allPIDs(t) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue // gone meanwhile
		}
		// "pid (comm) state ppid ...": comm may hold spaces and parens.
		rest := string(b[strings.LastIndexByte(string(b), ')')+2:])
		var state string
		var ppid int
		if _, err := fmt.Sscanf(rest, "%s %d", &state, &ppid); err == nil && ppid == pid {
			kids[p] = state
		}
	}
	return kids
}

func allPIDs(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "%d", &pid); err == nil && fmt.Sprint(pid) == e.Name() {
			pids = append(pids, pid)
		}
	}
	return pids
}
