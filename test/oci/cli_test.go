package oci_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// features describes this host in the runtime-spec's format.
func TestFeatures(t *testing.T) {
	e := newEnv(t, "true")
	var f features.Features
	if err := json.Unmarshal([]byte(e.mustRun("features")), &f); err != nil {
		t.Fatal(err)
	}
	if f.Linux == nil || len(f.Linux.Namespaces) < 7 || f.Linux.Seccomp == nil || !*f.Linux.Seccomp.Enabled {
		t.Fatalf("features: %+v", f.Linux)
	}
	joined := " " + strings.Join(f.MountOptions, " ") + " "
	for _, o := range []string{"rbind", "ro", "nosuid", "rro", "rprivate"} {
		if !strings.Contains(joined, " "+o+" ") {
			t.Errorf("mountOptions lack %q", o)
		}
	}
	if len(f.Hooks) != 6 {
		t.Errorf("hooks %v", f.Hooks)
	}
}

// spec --rootless writes a config with a user namespace mapping the caller.
func TestSpecRootless(t *testing.T) {
	e := newEnv(t, "true")
	dir := t.TempDir()
	e.mustRun("spec", "--rootless", "--bundle", dir)
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	userNS := false
	for _, ns := range s.Linux.Namespaces {
		userNS = userNS || ns.Type == specs.UserNamespace
	}
	if !userNS || len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0].HostID != uint32(os.Getuid()) {
		t.Fatalf("rootless spec: namespaces %v, uid mappings %v", s.Linux.Namespaces, s.Linux.UIDMappings)
	}
	if _, _, code := e.run("spec", "--bundle", dir); code == 0 {
		t.Error("spec overwrote an existing config.json")
	}
}

// list shows containers as a table, as JSON, or ids only; kill takes
// signal names with or without SIG and numbers.
func TestListAndKillSignals(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	startSleeper(t, e, "l1")
	if out := e.mustRun("list", "-q"); strings.TrimSpace(out) != "l1" {
		t.Errorf("list -q: %q", out)
	}
	if out := e.mustRun("list"); !strings.HasPrefix(out, "ID") || !strings.Contains(out, "running") {
		t.Errorf("list: %q", out)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(e.mustRun("list", "--format", "json")), &list); err != nil || len(list) != 1 || list[0]["id"] != "l1" {
		t.Errorf("list --format json: %v %v", list, err)
	}
	for _, sig := range []string{"SIGCONT", "CONT", "18"} {
		e.mustRun("kill", "l1", sig)
	}
	if _, errOut, code := e.run("kill", "l1", "NOSUCH"); code == 0 || !strings.Contains(errOut, "NOSUCH") {
		t.Errorf("bad signal: exit %d, %q", code, errOut)
	}
	e.mustRun("kill", "--all", "l1", "9")
	waitFor(t, func() bool { return e.state("l1")["status"] == "stopped" })
}
