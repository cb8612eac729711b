package spec

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// These tests run generated configurations with hull's runtime, to prove
// that what Generate writes is what hull-oci can run, and that it does in
// the container what Docker's flags promise.

var (
	buildOnce sync.Once
	hullOCI   string // the runtime binary, built once per test run
	buildErr  error
)

// TestMain removes the runtime binary once every test has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if hullOCI != "" {
		os.RemoveAll(filepath.Dir(hullOCI))
	}
	os.Exit(code)
}

// runtimeBinary builds cmd/hull-oci, once, into a directory TestMain
// removes.
func runtimeBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hull-spec-test-")
		if err != nil {
			buildErr = err
			return
		}
		hullOCI = filepath.Join(dir, "hull-oci")
		out, err := exec.Command("go", "build", "-o", hullOCI, "github.com/hullrt/hull/cmd/hull-oci").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("go build: %s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("building hull-oci: %v", buildErr)
	}
	return hullOCI
}

// busyboxRootfs lays out the host's static busybox as a minimal image.
func busyboxRootfs(t *testing.T) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "rootfs")
	for _, d := range []string{"bin", "dev", "etc", "proc", "sys", "tmp", "root"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// As in real images: the runtime gives a tmpfs its mountpoint's mode.
	if err := os.Chmod(filepath.Join(root, "tmp"), 0o1777); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skipf("no static busybox (apt-get install busybox-static): %v", err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, applet := range []string{"sh", "id", "cat", "touch", "grep", "echo", "hostname", "ls", "head"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", applet)); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
		"etc/group":  "root:x:0:\nwheel:x:10:root\ntty:x:5:\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// runGenerated generates the configuration of opts, runs it to the end
// with hull-oci and returns what the container wrote.
func runGenerated(t *testing.T, opts Options) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers")
	}
	bin := runtimeBinary(t)
	var id [16]byte
	rand.Read(id[:])
	opts.ID = "spec-test-" + hex.EncodeToString(id[:])
	if opts.RootfsPath == "" {
		opts.RootfsPath = busyboxRootfs(t)
	}
	s, err := Generate(&ocispec.ImageConfig{Env: []string{"PATH=/bin"}}, &opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	dir := t.TempDir()
	bundle := filepath.Join(dir, "bundle")
	if err := os.Mkdir(bundle, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--root", filepath.Join(dir, "state"), "run", "--bundle", bundle, opts.ID)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("hull-oci run: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// expectLines fails t unless out holds each of want as a whole line.
func expectLines(t *testing.T, out string, want ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		found := false
		for _, l := range lines {
			found = found || l == w
		}
		if !found {
			t.Errorf("no line %q in the container's output:\n%s", w, out)
		}
	}
}

// The example of the brief: --read-only --cap-drop ALL --memory 64m
// --tmpfs /tmp --user 1000:1000.
func TestRunRestricted(t *testing.T) {
	tmp, err := ParseTmpfs("/tmp:size=1m")
	if err != nil {
		t.Fatal(err)
	}
	mem, _ := ParseBytes("64m")
	out := runGenerated(t, Options{
		ReadOnly: true, CapDrop: []string{"ALL"}, Memory: mem, Tmpfs: []MountRequest{tmp}, User: "1000:1000",
		Cmd: []string{"sh", "-c", `id
touch /x 2>/dev/null && echo root-writable || echo root-read-only
touch /tmp/x && echo tmp-writable
grep -E '^Cap(Bnd|Eff):' /proc/self/status
cat /sys/fs/cgroup/memory/memory.limit_in_bytes
echo "HOME=$HOME"`},
	})
	expectLines(t, out, "uid=1000 gid=1000 groups=1000", "root-read-only", "tmp-writable",
		"CapBnd:\t0000000000000000", "CapEff:\t0000000000000000", "67108864", "HOME=/")
}

// With no options, a root container gets Docker's defaults: its groups
// from /etc/group, Docker's capabilities, seccomp, masked paths, the ID
// as hostname.
func TestRunDefaults(t *testing.T) {
	out := runGenerated(t, Options{
		Cmd: []string{"sh", "-c", `id
hostname
grep -E '^(CapEff|Seccomp|NoNewPrivs):' /proc/self/status
echo "kcore=$(head -c 1 /proc/kcore | wc -c)"
touch /proc/sys/kernel/x 2>/dev/null || echo proc-sys-read-only
cat /proc/sys/net/ipv4/ip_unprivileged_port_start
echo "HOME=$HOME"`},
	})
	expectLines(t, out, "uid=0(root) gid=0(root) groups=0(root),10(wheel)", "CapEff:\t00000000a80425fb",
		"Seccomp:\t2", "NoNewPrivs:\t0", "kcore=0", "proc-sys-read-only", "0", "HOME=/root")
	if !strings.Contains(out, "\nspec-test-") {
		t.Errorf("hostname is not the ID's first 12 characters:\n%s", out)
	}
}

// --privileged: every capability, no seccomp, the host's devices.
func TestRunPrivileged(t *testing.T) {
	out := runGenerated(t, Options{
		Privileged: true,
		Cmd: []string{"sh", "-c", `grep -E '^(Seccomp):' /proc/self/status
ls /dev/loop-control >/dev/null && echo has-loop-control
touch /sys/kernel/x 2>&1 | grep -q 'Read-only' && echo sys-ro || echo sys-rw`},
	})
	expectLines(t, out, "Seccomp:\t0", "has-loop-control", "sys-rw")
}

// Binds, volumes' read-only binds, ulimits, sysctls and devices reach the
// container as Docker's flags describe them.
func TestRunMountsAndLimits(t *testing.T) {
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "file"), []byte("from the host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var mounts []MountRequest
	for _, v := range []string{host + ":/data:ro", host + ":/rw"} {
		r, err := ParseVolume(v)
		if err != nil {
			t.Fatal(err)
		}
		mounts = append(mounts, r)
	}
	opts := Options{
		Ulimits: []Ulimit{{Name: "nofile", Soft: 100, Hard: 200}},
		Sysctls: map[string]string{"net.ipv4.ip_forward": "1"},
		Devices: []DeviceMapping{{PathOnHost: "/dev/null", PathInContainer: "/dev/mynull", CgroupPermissions: "rwm"}},
		Env:     []string{"GREETING=hello there"},
		Cmd: []string{"sh", "-c", `cat /data/file
touch /data/new 2>/dev/null && echo data-writable || echo data-read-only
touch /rw/new && echo rw-writable
echo "nofile=$(ulimit -n)"
cat /proc/sys/net/ipv4/ip_forward
echo x > /dev/mynull && echo device-ok
echo "$GREETING"`},
	}
	for _, r := range mounts {
		m, err := r.Mount(r.Source)
		if err != nil {
			t.Fatal(err)
		}
		opts.Mounts = append(opts.Mounts, m)
	}
	out := runGenerated(t, opts)
	expectLines(t, out, "from the host", "data-read-only", "rw-writable", "nofile=100", "1", "device-ok", "hello there")
	if _, err := os.Stat(filepath.Join(host, "new")); err != nil {
		t.Errorf("the write through the rw bind did not reach the host: %v", err)
	}
}
