package reaper

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestExitCodePropagates(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			for _, code := range []int{0, 1, 42, 255} {
				p := startInit(t, m, "--", "sh", "-c", fmt.Sprintf("exit %d", code))
				if got := p.wait(t); got != code {
					t.Errorf("exit %d: hull-init exited %d (stderr %q)", code, got, p.stderr)
				}
			}
		})
	}
}

// A child killed by a signal makes hull-init exit 128+n, as a shell does.
func TestExitCodeOfSignalledChild(t *testing.T) {
	p := startInit(t, asSubreaper, "--", "sh", "-c", "kill -KILL $$")
	if got := p.wait(t); got != 128+9 {
		t.Errorf("hull-init exited %d, want 137", got)
	}
}

func TestExecFailure(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		path   string // PATH for hull-init, if not the test's own
		args   []string
		status int
		msg    string
	}{
		{"not in PATH", "", []string{"no-such-command"}, 127,
			`hull-init: exec "no-such-command": executable file not found in $PATH`},
		{"no such file", "", []string{dir + "/missing"}, 127,
			`hull-init: exec "` + dir + `/missing": no such file or directory`},
		{"not a directory", "", []string{plain + "/x"}, 127,
			`hull-init: exec "` + plain + `/x": not a directory`},
		{"not executable", "", []string{plain}, 126,
			`hull-init: exec "` + plain + `": permission denied`},
		{"directory", "", []string{dir}, 126,
			`hull-init: exec "` + dir + `": permission denied`},
		{"not executable in PATH", dir, []string{"plain"}, 126,
			`hull-init: exec "plain": permission denied`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.path != "" {
				t.Setenv("PATH", tc.path)
			}
			p := startInit(t, asSubreaper, append([]string{"--"}, tc.args...)...)
			if got := p.wait(t); got != tc.status {
				t.Errorf("hull-init exited %d, want %d", got, tc.status)
			}
			if got := strings.TrimSpace(p.stderr.String()); got != tc.msg {
				t.Errorf("stderr %q, want %q", got, tc.msg)
			}
		})
	}
}

// As with execvp, a file without execute permission early in PATH does not
// hide an executable one further on.
func TestPathSearchSkipsNonExecutables(t *testing.T) {
	first, second := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(first, "cmd"), []byte("#!/bin/sh\nexit 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(second, "cmd"), []byte("#!/bin/sh\nexit 5\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", first+":"+second+":/usr/bin:/bin")
	p := startInit(t, asSubreaper, "cmd")
	if got := p.wait(t); got != 5 {
		t.Errorf("hull-init exited %d, want 5 from the executable %s/cmd (stderr %q)", got, second, p.stderr)
	}
}

// SIGTERM to hull-init reaches a child that does not handle it, which
// dies of it: 128+15.
func TestSigtermKillsChild(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			p := startInit(t, m, "--", "sh", "-c", "echo ready; exec sleep 1000")
			p.expect(t, "ready")
			p.signal(t, unix.SIGTERM)
			if got := p.wait(t); got != 143 {
				t.Errorf("hull-init exited %d, want 143", got)
			}
		})
	}
}

// Every signal sent to hull-init reaches the child, and a child that traps
// SIGTERM decides the exit status itself. hull-init blocks them all before
// it starts the child, so once the child is ready none can be lost.
func TestSignalsForwarded(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			p := startInit(t, m, append([]string{"--"}, testBinary("trap")...)...)
			p.expect(t, "ready")
			for _, s := range trapped {
				sig := s.(unix.Signal)
				p.signal(t, sig)
				p.expect(t, fmt.Sprintf("got %d", sig))
			}
			if got := p.wait(t); got != 7 {
				t.Errorf("hull-init exited %d, want the child's 7", got)
			}
		})
	}
}

// With -g a signal goes to the child's whole process group: here to a
// grandchild while the child itself ignores it.
func TestGroupSignals(t *testing.T) {
	for _, m := range modes {
		t.Run(string(m), func(t *testing.T) {
			p := startInit(t, m, append([]string{"-g", "--"}, testBinary("group")...)...)
			p.expect(t, "ready")
			p.signal(t, unix.SIGTERM)
			p.expect(t, fmt.Sprintf("got %d", unix.SIGTERM))
			if got := p.wait(t); got != 7 {
				t.Errorf("hull-init exited %d, want 7", got)
			}
		})
	}
}

// Without a terminal the child still gets a process group of its own,
// so -g never signals hull-init itself.
func TestChildHasOwnProcessGroup(t *testing.T) {
	p := startInit(t, asSubreaper, testBinary("tty")...)
	var pid, pgrp, fg int
	if _, err := fmt.Sscanf(p.line(t), "pid=%d pgrp=%d fg=%d", &pid, &pgrp, &fg); err != nil {
		t.Fatal(err)
	}
	if pgrp != pid {
		t.Errorf("child's process group is %d, want its own (%d)", pgrp, pid)
	}
	if got := p.wait(t); got != 0 {
		t.Errorf("hull-init exited %d", got)
	}
}
