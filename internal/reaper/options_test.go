package reaper

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// runInit runs hull-init with args and returns its stdout, stderr and
// exit status.
func runInit(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(initBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// Flags come first and may be bundled; "--" or the first argument that is
// not a flag ends them, so the command's own flags pass through.
func TestFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		out  string
	}{
		{args: []string{"--", "echo", "-c", "true"}, out: "-c true\n"},
		{args: []string{"echo", "-g"}, out: "-g\n"},
		{args: []string{"-g", "--", "echo", "-dashed"}, out: "-dashed\n"},
		{args: []string{"-gs", "echo", "app"}, out: "app\n"},
		{args: []string{"-s", "-g", "echo", "app"}, out: "app\n"},
	} {
		out, stderr, code := runInit(t, tc.args...)
		if out != tc.out || code != 0 {
			t.Errorf("hull-init %q printed %q (stderr %q), status %d; want %q", tc.args, out, stderr, code, tc.out)
		}
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{args: []string{"-h"}, code: 0, stderr: "usage: hull-init"},
		{args: []string{"--help"}, code: 0, stderr: "usage: hull-init"},
		{args: []string{"-q", "true"}, code: 1, stderr: "hull-init: unknown flag -q\nusage:"},
		{args: []string{"--"}, code: 1, stderr: "hull-init: no command given\nusage:"},
		{args: nil, code: 1, stderr: "hull-init: no command given\nusage:"},
	} {
		_, stderr, code := runInit(t, tc.args...)
		if code != tc.code || !strings.HasPrefix(stderr, tc.stderr) {
			t.Errorf("hull-init %q: status %d, stderr %q; want %d and %q...", tc.args, code, stderr, tc.code, tc.stderr)
		}
	}
}
