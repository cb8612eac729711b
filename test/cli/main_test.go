// Package cli_test runs the hull binary as a user would and checks what it
// prints and how it exits, against Docker's behaviour. Each test gets its
// own --root; pushes and pulls go to a real docker-registry on loopback.
package cli_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const registryBin = "/usr/bin/docker-registry"

var (
	hullBin    string // the binary under test
	busyboxTar string // a root filesystem tarball from scripts/busybox-image.sh
	registry   string // host:port of the test registry, "" when not installed
)

func TestMain(m *testing.M) { os.Exit(setup(m)) }

func setup(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hull-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := buildFixtures(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := os.Stat(registryBin); err != nil {
		return m.Run() // tests that need a registry skip
	}
	var stop func()
	registry, stop, err = startRegistry(dir, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	return m.Run()
}

// buildFixtures builds cmd/hull and the busybox tarball into dir.
func buildFixtures(dir string) error {
	hullBin = filepath.Join(dir, "hull")
	build := exec.Command("go", "build", "-o", hullBin, "github.com/hullrt/hull/cmd/hull")
	build.Env = append(os.Environ(), "PATH="+os.Getenv("PATH")+":/usr/local/go/bin")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building hull: %v\n%s", err, out)
	}
	if _, err := os.Stat("/bin/busybox"); err != nil {
		return nil // tests that need it skip
	}
	busyboxTar = filepath.Join(dir, "busybox.tar")
	script := exec.Command("bash", "../../scripts/busybox-image.sh", busyboxTar)
	if out, err := script.CombinedOutput(); err != nil {
		return fmt.Errorf("busybox-image.sh: %v\n%s", err, out)
	}
	return nil
}

// startRegistry runs docker-registry on a free loopback port with its
// storage in dir, asking for the users in htpasswd when that is set.
func startRegistry(dir, htpasswd string) (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"+
		"storage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "storage"), addr)
	if htpasswd != "" {
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: hull-test\n    path: %s\n", htpasswd)
	}
	path := filepath.Join(dir, "registry.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.Command(registryBin, "serve", path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/v2/"); err == nil {
			resp.Body.Close()
			return addr, stop, nil
		}
	}
	stop()
	return "", nil, fmt.Errorf("docker-registry on %s did not answer within 10s", addr)
}

// result is what one hull run printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

// hull runs the binary with --root root and stdin (nil for none).
func hull(t *testing.T, root string, stdin io.Reader, args ...string) result {
	t.Helper()
	cmd := exec.Command(hullBin, append([]string{"--root", root}, args...)...)
	cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(root, "docker-config"))
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running hull %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// ok runs hull and fails the test unless it exits 0.
func ok(t *testing.T, root string, args ...string) string {
	t.Helper()
	r := hull(t, root, nil, args...)
	if r.code != 0 {
		t.Fatalf("hull %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fails runs hull, expects exit 125 and one "hull: " line, and returns it.
func fails(t *testing.T, root string, args ...string) string {
	t.Helper()
	r := hull(t, root, nil, args...)
	if r.code != 125 {
		t.Fatalf("hull %s: exit %d, want 125\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "hull: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("hull %s: stderr is not one 'hull: ' line: %q", strings.Join(args, " "), r.stderr)
	}
	return r.stderr
}

// withBusybox returns a fresh root holding the busybox tarball imported as
// name, and the image's full ID.
func withBusybox(t *testing.T, name string) (root, id string) {
	t.Helper()
	if busyboxTar == "" {
		t.Skip("needs /bin/busybox (apt-get install busybox-static)")
	}
	root = t.TempDir()
	id = strings.TrimSpace(ok(t, root, "import", "-m", "from busybox", "--change", `CMD ["sh"]`, busyboxTar, name))
	if !strings.HasPrefix(id, "sha256:") || len(id) != 71 {
		t.Fatalf("import printed %q, want the image ID", id)
	}
	return root, id
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
