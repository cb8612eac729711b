package oci_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// 100 containers created, started, killed and deleted in a row leave no
// mounts, cgroups, processes, state entries or descriptors behind.
func TestNoLeaksOverHundredContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("long")
	}
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	// Only what these containers could have made is counted, so tests of
	// other packages running at the same time do not disturb the result.
	mountsBefore := countMounts(t, filepath.Dir(template), e.bundle)
	procsBefore := hullProcesses(t)
	fdsBefore := countFDs(t)
	// Cgroup names are the host's: a prefix of this process's own keeps
	// two test runs at the same time from counting each other's.
	prefix := fmt.Sprintf("leak%d-", os.Getpid())
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("%s%d", prefix, i)
		e.mustRun("create", "--bundle", e.bundle, id)
		e.mustRun("start", id)
		e.mustRun("kill", id, "KILL")
		waitFor(t, func() bool { return e.state(id)["status"] == "stopped" })
		e.mustRun("delete", id)
	}
	if n := countMounts(t, filepath.Dir(template), e.bundle); n != mountsBefore {
		t.Errorf("mounts: %d before, %d after", mountsBefore, n)
	}
	if n := countCgroups(prefix); n != 0 {
		t.Errorf("%d cgroup directories of the containers left: %v", n, listCgroups(prefix))
	}
	if p := hullProcesses(t); len(p) != len(procsBefore) {
		t.Errorf("hull-oci processes: %v before, %v after", procsBefore, p)
	}
	if n := countFDs(t); n != fdsBefore {
		t.Errorf("test process descriptors: %d before, %d after", fdsBefore, n)
	}
	if entries, _ := os.ReadDir(e.root); len(entries) != 0 {
		t.Errorf("state entries left: %d", len(entries))
	}
}

// countMounts counts the host's mounts under dir or the test's temp dirs.
func countMounts(t *testing.T, dirs ...string) int {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(string(data), "\n") {
		// Only this test's own directory: other test packages mount and
		// unmount under /tmp at the same time.
		for _, dir := range dirs {
			if strings.Contains(l, dir) {
				n++
				break
			}
		}
	}
	return n
}

// countCgroups counts cgroup directories, in every hierarchy, whose name
// starts with prefix.
func countCgroups(prefix string) int {
	n := 0
	filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			n++
		}
		return nil
	})
	return n
}

// hullProcesses lists processes running the binary under test, or a
// container init that has not exec'd yet.
func hullProcesses(t *testing.T) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, d := range entries {
		exe, err := os.Readlink(filepath.Join("/proc", d.Name(), "exe"))
		if err == nil && exe == hullOCI {
			out = append(out, d.Name())
		}
	}
	return out
}

func countFDs(t *testing.T) int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// kill -9 of `hull-oci create` at any moment leaves no process behind: a
// container whose state was saved is there to delete, and the init of one
// whose state was not (and the preamble before it) exits on its own
// instead of waiting on the exec fifo for ever. What such a create left,
// its cgroups and state directory, `delete` removes.
func TestCreateKilledLeavesNoProcess(t *testing.T) {
	for _, in := range inits {
		t.Run(in.name, func(t *testing.T) {
			e := newEnv(t, "sleep", "100")
			e.goInit = in.goInit
			e.writeSpec()
			before := hullProcesses(t)
			prefix := fmt.Sprintf("killed%d-%s-", os.Getpid(), in.name)
			t.Cleanup(func() { removeCgroups(prefix) })
			for i := 0; i < 30; i++ {
				id := fmt.Sprintf("%s%d", prefix, i)
				cmd := exec.Command(hullOCI, "--root", e.root, "create", "--bundle", e.bundle, id)
				if e.goInit {
					cmd.Env = append(os.Environ(), "HULL_INIT=go")
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				// Spread over the ~10-20 ms a create takes.
				time.Sleep(time.Duration(i%20) * time.Millisecond)
				cmd.Process.Kill()
				cmd.Wait()
				if _, errOut, code := e.run("delete", "--force", id); code != 0 && !strings.Contains(errOut, "does not exist") {
					t.Errorf("delete --force %s: exit %d: %s", id, code, errOut)
				}
			}
			waitFor(t, func() bool { return len(hullProcesses(t)) == len(before) })
			if n := countCgroups(prefix); n != 0 {
				t.Errorf("%d cgroup directories left", n)
			}
			if entries, _ := os.ReadDir(e.root); len(entries) != 0 {
				t.Errorf("%d state entries left", len(entries))
			}
		})
	}
}

// listCgroups lists the cgroup directories whose name starts with prefix,
// with the processes in each.
func listCgroups(prefix string) []string {
	var out []string
	filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			procs, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
			out = append(out, p+" procs="+strings.Join(strings.Fields(string(procs)), ","))
		}
		return nil
	})
	return out
}

// removeCgroups removes, deepest first, the cgroup directories whose name
// starts with prefix.
func removeCgroups(prefix string) {
	var dirs []string
	filepath.WalkDir("/sys/fs/cgroup", func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), prefix) {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i])
	}
}

// delete of a container with no state waits for whoever holds the
// container's lock (a create, or another delete, as when hull rm races the
// monitor's own delete) and then finds what they left: here, nothing.
func TestDeleteWaitsForTheContainersLock(t *testing.T) {
	e := newEnv(t, "true")
	e.writeSpec()
	dir := filepath.Join(e.root, "busy")
	if err := os.MkdirAll(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	lock, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(hullOCI, "--root", e.root, "delete", "--force", "busy")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		t.Fatalf("delete did not wait for the lock: %v, %q", err, stderr.String())
	case <-time.After(200 * time.Millisecond):
	}
	// The holder finishes its own delete.
	os.RemoveAll(dir)
	lock.Close()
	if err := <-done; err == nil || !strings.Contains(stderr.String(), "does not exist") {
		t.Errorf("delete after the holder removed the container: %v, %q", err, stderr.String())
	}
}
