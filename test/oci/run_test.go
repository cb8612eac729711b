package oci_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// run in the foreground passes the container's stdout through and exits
// with its status, then leaves nothing behind.
func TestRunExitStatusAndOutput(t *testing.T) {
	e := newEnv(t, "sh", "-c", "echo hello from $(hostname); exit 7")
	e.writeSpec()
	out, errOut, code := e.run("run", "--bundle", e.bundle, "r1")
	if code != 7 {
		t.Fatalf("exit %d, want 7 (stderr %q)", code, errOut)
	}
	if strings.TrimSpace(out) != "hello from hull" {
		t.Fatalf("stdout %q", out)
	}
	if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("run left a container: %q", out)
	}
}

// A container killed by a signal makes run exit as a shell reports it:
// 128+n. (The container cannot kill itself: PID 1 of a pid namespace
// ignores signals it has no handler for when they come from inside.)
func TestRunKilledBySignal(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	cmd := exec.Command(hullOCI, "--root", e.root, "run", "--bundle", e.bundle, "r2")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		out, _, code := e.run("state", "r2")
		return code == 0 && strings.Contains(out, `"running"`)
	})
	e.mustRun("kill", "r2", "KILL")
	err := cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 137 {
		t.Fatalf("run: %v, want exit status 137", err)
	}
}

// The container is PID 1 of its own pid namespace and sees only itself.
func TestRunIsolation(t *testing.T) {
	e := newEnv(t, "sh", "-c", "echo $$; ls /proc | grep -c '^[0-9]'")
	e.writeSpec()
	out := e.mustRun("run", "--bundle", e.bundle, "r3")
	lines := strings.Fields(out)
	if len(lines) != 2 || lines[0] != "1" {
		t.Fatalf("pid and process count: %q", out)
	}
	// sh, and ls (grep runs too): at most a handful, never the host's.
	if lines[1] == "" || len(lines[1]) > 1 {
		t.Fatalf("the container sees %s processes", lines[1])
	}
}

func TestRunMissingProgram(t *testing.T) {
	e := newEnv(t, "no-such-program")
	e.writeSpec()
	_, errOut, code := e.run("run", "--bundle", e.bundle, "r4")
	if code == 0 || !strings.Contains(errOut, "executable file not found") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "" {
		t.Fatalf("a failed run left a container: %q", out)
	}
}

// The default devices are usable under a deny-all device cgroup rule, and
// so is a device of linux.devices (here /dev/kmsg's numbers, renamed).
func TestDevicesUsable(t *testing.T) {
	e := newEnv(t, "sh", "-c", "echo x > /dev/null && head -c 4 /dev/zero | wc -c && ls -l /dev/mykmsg")
	mode := os.FileMode(0o600)
	e.spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/mykmsg", Type: "c", Major: 1, Minor: 11, FileMode: &mode}}
	e.writeSpec()
	out, errOut, code := e.run("run", "--bundle", e.bundle, "d1")
	if code != 0 || !strings.HasPrefix(out, "4\n") || !strings.Contains(out, "1,  11") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// Without a mount namespace the container shares the host's mounts: hull
// mounts nothing and only changes root into the rootfs.
func TestNoMountNamespace(t *testing.T) {
	e := newEnv(t, "sh", "-c", "ls /bin/busybox && readlink /proc/self/ns/mnt")
	e.spec.Root.Path = copyRootfs(t)
	// /proc comes from the host: the rootfs gets a bind of it by hand.
	if err := syscall.Mount("/proc", filepath.Join(e.spec.Root.Path, "proc"), "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Unmount(filepath.Join(e.spec.Root.Path, "proc"), syscall.MNT_DETACH) })
	var ns []specs.LinuxNamespace
	for _, n := range e.spec.Linux.Namespaces {
		if n.Type != specs.MountNamespace {
			ns = append(ns, n)
		}
	}
	e.spec.Linux.Namespaces = ns
	e.writeSpec()
	before := countMounts(t, e.spec.Root.Path)
	out := e.mustRun("run", "--bundle", e.bundle, "nomnt")
	host, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/bin/busybox\n" + host + "\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	if n := countMounts(t, e.spec.Root.Path); n != before {
		t.Errorf("host mounts under the rootfs: %d before, %d after", before, n)
	}
}

// A sysctl that no private namespace of the container holds would change
// the host: create refuses it.
func TestHostSysctlRefused(t *testing.T) {
	e := newEnv(t, "true")
	e.spec.Linux.Sysctl = map[string]string{"vm.swappiness": "1"}
	e.writeSpec()
	if _, errOut, code := e.run("create", "--bundle", e.bundle, "s1"); code == 0 || !strings.Contains(errOut, "vm.swappiness") {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	assertNoTrace(t, e, "s1")
}
