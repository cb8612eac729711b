package oci_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bad input gets one clear line, a non-zero exit, and leaves nothing: no
// state entry and no cgroup.
func TestCreateBadInput(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(e *env)
		want   string
	}{
		{"missing bundle", func(e *env) { e.bundle = "/nonexistent/bundle" }, "not found"},
		{"invalid json", func(e *env) {
			os.WriteFile(filepath.Join(e.bundle, "config.json"), []byte("{not json"), 0o644)
		}, "parsing"},
		{"missing rootfs", func(e *env) { e.spec.Root.Path = "/nonexistent/rootfs"; e.writeSpec() }, "rootfs"},
		{"unknown namespace", func(e *env) {
			e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: "bogus"})
			e.writeSpec()
		}, `unknown namespace type "bogus"`},
		{"unknown capability", func(e *env) {
			e.spec.Process.Capabilities.Bounding = append(e.spec.Process.Capabilities.Bounding, "CAP_BOGUS")
			e.writeSpec()
		}, `CAP_BOGUS`},
		{"rlimit above the hard limit", func(e *env) {
			e.spec.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1 << 30, Hard: 1 << 30}}
			e.writeSpec()
		}, "RLIMIT_NOFILE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, "true")
			e.writeSpec()
			tc.mutate(e)
			_, errOut, code := e.run("create", "--bundle", e.bundle, "bad")
			if code == 0 {
				t.Fatal("create succeeded")
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 1 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("stderr %q: want one line containing %q", errOut, tc.want)
			}
			assertNoTrace(t, e, "bad")
		})
	}
}

func TestInvalidAndDuplicateIDs(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.writeSpec()
	for _, id := range []string{"../escape", "a/b", ".."} {
		if _, errOut, code := e.run("create", "--bundle", e.bundle, id); code == 0 || !strings.Contains(errOut, "invalid container id") {
			t.Errorf("id %q: exit %d, %q", id, code, errOut)
		}
	}
	e.mustRun("create", "--bundle", e.bundle, "dup")
	if _, errOut, code := e.run("create", "--bundle", e.bundle, "dup"); code == 0 || !strings.Contains(errOut, "already exists") {
		t.Fatalf("duplicate id: exit %d, %q", code, errOut)
	}
	if st := e.state("dup"); st["status"] != "created" {
		t.Fatalf("the failed duplicate disturbed the first: %v", st["status"])
	}
}

// With --log-format json an error is also a JSON line in the log file, the
// way containerd reads it.
func TestErrorLogJSON(t *testing.T) {
	e := newEnv(t, "true")
	log := filepath.Join(t.TempDir(), "log.json")
	_, _, code := e.run("--log", log, "--log-format", "json", "state", "nosuch")
	if code == 0 {
		t.Fatal("state of a missing container succeeded")
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var entry struct{ Level, Msg, Time string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(string(data))), &entry); err != nil {
		t.Fatalf("log %q: %v", data, err)
	}
	if entry.Level != "error" || !strings.Contains(entry.Msg, "does not exist") || entry.Time == "" {
		t.Fatalf("log entry %+v", entry)
	}
}

// assertNoTrace checks that container id left no state and no cgroup.
func assertNoTrace(t *testing.T, e *env, id string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(e.root, id)); !os.IsNotExist(err) {
		t.Errorf("state directory of %s left behind", id)
	}
	matches, _ := filepath.Glob("/sys/fs/cgroup/*/" + id)
	if len(matches) > 0 {
		t.Errorf("cgroups left behind: %v", matches)
	}
}

// An AppArmor profile on a host without AppArmor fails create with one
// line instead of running the container unconfined.
func TestAppArmorProfileWithoutAppArmor(t *testing.T) {
	if data, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && strings.HasPrefix(string(data), "Y") {
		t.Skip("AppArmor is enabled here")
	}
	e := newEnv(t, "true")
	e.spec.Process.ApparmorProfile = "docker-default"
	e.writeSpec()
	_, errOut, code := e.run("create", "--bundle", e.bundle, "aa")
	if code == 0 || !strings.Contains(errOut, "AppArmor is not enabled") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	assertNoTrace(t, e, "aa")
}
