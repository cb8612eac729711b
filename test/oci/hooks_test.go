package oci_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// recordHook is a hook that saves its stdin (the container's state) as
// DIR/NAME.json and appends NAME to DIR/order.
func recordHook(dir, name string) specs.Hook {
	return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c",
		"cat > " + filepath.Join(dir, name+".json") + "; echo " + name + " >> " + filepath.Join(dir, "order")}}
}

// All six hook kinds run in the spec's order, each with the state on stdin.
func TestHooksOrderAndState(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	dir := t.TempDir()
	// createContainer runs in the container's mount namespace before
	// pivot_root, so host paths still resolve; startContainer runs in the
	// container, so it writes where the container can.
	e.spec.Hooks = &specs.Hooks{
		Prestart:        []specs.Hook{recordHook(dir, "prestart")},
		CreateRuntime:   []specs.Hook{recordHook(dir, "createRuntime")},
		CreateContainer: []specs.Hook{recordHook(dir, "createContainer")},
		StartContainer:  []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > /dev/shm/startContainer.json"}}},
		Poststart:       []specs.Hook{recordHook(dir, "poststart")},
		Poststop:        []specs.Hook{recordHook(dir, "poststop")},
	}
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, "h1")
	pid := int(e.state("h1")["pid"].(float64))
	e.mustRun("start", "h1")
	inside := e.mustRun("exec", "h1", "cat", "/dev/shm/startContainer.json")
	e.mustRun("kill", "h1", "KILL")
	waitFor(t, func() bool { return e.state("h1")["status"] == "stopped" })
	e.mustRun("delete", "h1")

	order, err := os.ReadFile(filepath.Join(dir, "order"))
	if err != nil {
		t.Fatal(err)
	}
	want := "prestart createRuntime createContainer poststart poststop"
	if got := strings.Join(strings.Fields(string(order)), " "); got != want {
		t.Errorf("hook order %q, want %q", got, want)
	}
	wantStatus := map[string]string{"prestart": "created", "createRuntime": "creating",
		"createContainer": "creating", "poststart": "running", "poststop": "stopped"}
	for name, status := range wantStatus {
		st := readState(t, filepath.Join(dir, name+".json"))
		if st.ID != "h1" || st.Bundle != e.bundle {
			t.Errorf("%s: state %+v: want id h1, bundle %s", name, st, e.bundle)
		}
		if name != "poststop" && st.Pid != pid {
			t.Errorf("%s: pid %d, want %d", name, st.Pid, pid)
		}
		if st.Status != specs.ContainerState(status) {
			t.Errorf("%s: status %q, want %q", name, st.Status, status)
		}
	}
	var st specs.State
	if err := json.Unmarshal([]byte(inside), &st); err != nil || st.ID != "h1" {
		t.Errorf("startContainer state %q: %v", inside, err)
	}
}

// The hooks that run in the runtime (prestart, createRuntime, poststart,
// poststop) keep their order and states when the C init, which asks the
// runtime for them mid-setup, builds the container.
func TestRuntimeHooksWithCInit(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	dir := t.TempDir()
	e.spec.Hooks = &specs.Hooks{
		Prestart:      []specs.Hook{recordHook(dir, "prestart")},
		CreateRuntime: []specs.Hook{recordHook(dir, "createRuntime")},
		Poststart:     []specs.Hook{recordHook(dir, "poststart")},
		Poststop:      []specs.Hook{recordHook(dir, "poststop")},
	}
	e.writeSpec()
	e.mustRun("create", "--bundle", e.bundle, "h3")
	pid := int(e.state("h3")["pid"].(float64))
	// The C init runs no Go: its /proc/PID/exe is hull-oci, but it never
	// started Go's runtime threads.
	if n := threads(t, pid); n != 1 {
		t.Errorf("init has %d threads: not the C init", n)
	}
	e.mustRun("start", "h3")
	e.mustRun("kill", "h3", "KILL")
	waitFor(t, func() bool { return e.state("h3")["status"] == "stopped" })
	e.mustRun("delete", "h3")
	order, err := os.ReadFile(filepath.Join(dir, "order"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(strings.Fields(string(order)), " "), "prestart createRuntime poststart poststop"; got != want {
		t.Errorf("hook order %q, want %q", got, want)
	}
	for name, status := range map[string]string{"prestart": "created", "createRuntime": "creating", "poststart": "running"} {
		if st := readState(t, filepath.Join(dir, name+".json")); st.Pid != pid || st.Status != specs.ContainerState(status) {
			t.Errorf("%s: state %+v, want pid %d, status %s", name, st, pid, status)
		}
	}
}

// threads counts the threads of pid.
func threads(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "task"))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// A failing prestart hook fails create with the hook's own message and
// leaves nothing behind.
func TestFailingHookFailsCreate(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo no entry >&2; exit 1"}}}}
	e.writeSpec()
	_, errOut, code := e.run("create", "--bundle", e.bundle, "h2")
	if code == 0 || !strings.Contains(errOut, "no entry") || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	assertNoTrace(t, e, "h2")
}

// A hook that outlives its timeout is killed and fails create.
func TestHookTimeout(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	one := 1
	e.spec.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "30"}, Timeout: &one}}}
	e.writeSpec()
	_, errOut, code := e.run("create", "--bundle", e.bundle, "h3")
	if code == 0 || !strings.Contains(errOut, "timed out") {
		t.Fatalf("create: exit %d, %q", code, errOut)
	}
	assertNoTrace(t, e, "h3")
}

func readState(t *testing.T, path string) specs.State {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var st specs.State
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatalf("%s: %v: %q", path, err, data)
	}
	return st
}
