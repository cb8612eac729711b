package oci_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A seccomp rule with errnoRet applies to init and to exec'd processes, and
// the compiled filter is cached under the state root for the next
// container with the same profile.
func TestSeccompErrnoAndCache(t *testing.T) {
	e := newEnv(t, "sh", "-c", "mkdir /dev/shm/a 2>&1; sleep 100")
	eperm := uint(1)
	e.spec.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{{
			Names:    []string{"mkdir", "mkdirat"},
			Action:   specs.ActErrno,
			ErrnoRet: &eperm,
		}},
	}
	startSleeper(t, e, "sc1")
	_, errOut, code := e.run("exec", "sc1", "mkdir", "/dev/shm/b")
	if code == 0 || !strings.Contains(errOut, "Operation not permitted") {
		t.Errorf("exec'd mkdir: exit %d, %q", code, errOut)
	}
	if _, _, code := e.run("exec", "sc1", "ls", "/dev/shm/a"); code == 0 {
		t.Error("init's mkdir went through the filter")
	}
	entries, err := os.ReadDir(filepath.Join(e.root, "#seccomp-cache"))
	if err != nil || len(entries) != 1 {
		t.Fatalf("seccomp cache: %v entries, %v", len(entries), err)
	}
	if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "sc1" {
		t.Errorf("list shows the cache: %q", out)
	}
}
