package registry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// registryBin is Debian's docker-registry (distribution 2.8), the real
// peer these tests pull from and push to.
const registryBin = "/usr/bin/docker-registry"

// shared is the registry most tests use; TestMain starts and kills it.
var shared *testRegistry

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if dir := os.Getenv("HULL_TEST_PULL_INTO"); dir != "" {
		return helperPull(dir, os.Getenv("HULL_TEST_PULL_REF"))
	}
	if _, err := os.Stat(registryBin); err != nil {
		if os.Geteuid() == 0 {
			fmt.Fprintf(os.Stderr, "%s is missing (apt-get install docker-registry): %v\n", registryBin, err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "skipping registry tests: %s is missing\n", registryBin)
		return 0
	}
	dir, err := os.MkdirTemp("", "hull-registry-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	shared, err = startRegistry(dir, "", "")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer shared.kill()
	return m.Run()
}

// testRegistry is one docker-registry process on 127.0.0.1.
type testRegistry struct {
	addr string // host:port
	dir  string // storage and config
	cmd  *exec.Cmd
}

// startRegistry runs docker-registry on a free port with its storage in
// dir/storage (kept across restarts), and htpasswd auth when htpasswd is
// set. addr "" picks a free port.
func startRegistry(dir, addr, htpasswd string) (*testRegistry, error) {
	if addr == "" {
		var err error
		if addr, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"+
		"storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"+
		"http:\n  addr: %s\n", filepath.Join(dir, "storage"), addr)
	if htpasswd != "" {
		cfg += fmt.Sprintf("auth:\n  htpasswd:\n    realm: hull-test\n    path: %s\n", htpasswd)
	}
	path := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(filepath.Join(dir, "registry.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(registryBin, "serve", path)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &testRegistry{addr: addr, dir: dir, cmd: cmd}
	if err := waitReady(addr); err != nil {
		r.kill()
		return nil, err
	}
	return r, nil
}

// waitReady polls /v2/ until the registry answers.
func waitReady(addr string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("docker-registry on %s did not answer within 10s", addr)
}

// kill stops the registry the way a crash would, and reaps it.
func (r *testRegistry) kill() {
	if r.cmd.Process != nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// freeAddr finds a port nobody listens on. Another process could take it
// before the registry does; on loopback in a test that is rare enough.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ownRegistry starts a registry for one test, killed at its end.
func ownRegistry(t *testing.T, htpasswd string) *testRegistry {
	t.Helper()
	r, err := startRegistry(t.TempDir(), "", htpasswd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.kill)
	return r
}

// helperPull is the test binary run as a separate hull process that a
// test kills with SIGKILL mid-pull. It reports progress on stdout.
func helperPull(dir, ref string) int {
	c, err := clientAt(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	progress := func(e Event) { fmt.Printf("%s %s %d\n", e.ID, e.Status, e.Current) }
	if _, err := c.Pull(context.Background(), ref, PullOptions{RemoteOptions: RemoteOptions{Progress: progress}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
