package oci_test

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
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
