// Package oci_test checks hull-oci from the outside, the way containerd,
// Docker and people use it: by running the binary with runc's command line
// against real bundles. Each file covers one command. The tests need root
// (namespaces, cgroups, mounts) and skip without it.
package oci_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

var (
	hullOCI  string // the binary under test
	template string // a busybox rootfs shared read-only by every bundle
)

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		fmt.Println("test/oci: skipped: needs root")
		os.Exit(0)
	}
	dir, err := os.MkdirTemp("", "hull-oci-test-")
	if err != nil {
		panic(err)
	}
	// Open to all: a container in a user namespace reaches the rootfs as
	// an unprivileged host uid.
	if err := os.Chmod(dir, 0o755); err != nil {
		panic(err)
	}
	code := setup(dir)
	if code == 0 {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func setup(dir string) int {
	hullOCI = filepath.Join(dir, "hull-oci")
	build := exec.Command("go", "build", "-o", hullOCI, "github.com/hullrt/hull/cmd/hull-oci")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Println("building hull-oci:", err)
		return 1
	}
	template = filepath.Join(dir, "rootfs")
	if err := makeBusyboxRootfs(template); err != nil {
		fmt.Println("making the busybox rootfs:", err)
		return 1
	}
	return 0
}

// makeBusyboxRootfs lays out a minimal image from the host's static busybox.
func makeBusyboxRootfs(root string) error {
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("%w (apt-get install busybox-static)", err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		return err
	}
	// Relative links: `busybox --install -s` would point them at this host path.
	list, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, applet := range strings.Fields(string(list)) {
		link := filepath.Join(root, "bin", applet)
		if _, err := os.Lstat(link); err == nil {
			continue
		}
		if err := os.Symlink("busybox", link); err != nil {
			return err
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":  "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// env is one test's private state root and bundle.
type env struct {
	t      *testing.T
	root   string
	bundle string
	spec   *specs.Spec
	// goInit runs hull-oci with HULL_INIT=go: containers start through
	// the Go init even where the C init's plan would do.
	goInit bool
}

// newEnv makes a bundle whose config runs args in the busybox rootfs, from
// `hull-oci spec`'s example without a terminal.
func newEnv(t *testing.T, args ...string) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, root: filepath.Join(dir, "state"), bundle: filepath.Join(dir, "bundle")}
	if err := os.MkdirAll(e.bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	e.mustRun("spec", "--bundle", e.bundle)
	data, err := os.ReadFile(filepath.Join(e.bundle, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	e.spec = &specs.Spec{}
	if err := json.Unmarshal(data, e.spec); err != nil {
		t.Fatal(err)
	}
	e.spec.Root.Path = template
	e.spec.Process.Terminal = false
	e.spec.Process.Args = args
	t.Cleanup(e.cleanup)
	return e
}

// writeSpec saves e.spec as the bundle's config.json.
func (e *env) writeSpec() {
	e.t.Helper()
	data, err := json.MarshalIndent(e.spec, "", "  ")
	if err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.bundle, "config.json"), data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// run runs hull-oci with the env's --root and returns stdout, stderr and
// the exit status.
func (e *env) run(args ...string) (string, string, int) {
	return e.runIn(nil, args...)
}

func (e *env) runIn(stdin io.Reader, args ...string) (string, string, int) {
	e.t.Helper()
	cmd := exec.Command(hullOCI, append([]string{"--root", e.root}, args...)...)
	if e.goInit {
		cmd.Env = append(os.Environ(), "HULL_INIT=go")
	}
	// Files, not pipes: a created container inherits hull-oci's stdio and
	// would hold a pipe open long after hull-oci itself has exited.
	stdout, stderr := e.tempFile(), e.tempFile()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if stdin != nil {
		cmd.Stdin = stdin
	}
	err := cmd.Run()
	code := 0
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		code = exitErr.ExitCode()
	} else if err != nil {
		e.t.Fatalf("running hull-oci %v: %v", args, err)
	}
	return readBack(e.t, stdout), readBack(e.t, stderr), code
}

// tempFile opens a fresh file for a command's output; the test removes it.
func (e *env) tempFile() *os.File {
	e.t.Helper()
	f, err := os.CreateTemp(e.t.TempDir(), "out")
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// readBack returns what was written to f, and closes it.
func readBack(t *testing.T, f *os.File) string {
	t.Helper()
	f.Close()
	data, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// mustRun runs hull-oci and fails the test unless it exits 0.
func (e *env) mustRun(args ...string) string {
	e.t.Helper()
	out, errOut, code := e.run(args...)
	if code != 0 {
		e.t.Fatalf("hull-oci %s: exit %d: %s%s", strings.Join(args, " "), code, errOut, out)
	}
	return out
}

// state returns `hull-oci state id`.
func (e *env) state(id string) map[string]any {
	e.t.Helper()
	var st map[string]any
	if err := json.Unmarshal([]byte(e.mustRun("state", id)), &st); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// cleanup force-deletes whatever a test left under its root.
func (e *env) cleanup() {
	entries, _ := os.ReadDir(e.root)
	for _, d := range entries {
		exec.Command(hullOCI, "--root", e.root, "delete", "--force", d.Name()).Run()
	}
}
