package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// authRegistry runs a registry for one test that wants user "hull" with
// password "s3cret". The bcrypt hash comes from crypt(3) through perl,
// since x/crypto is not in hull's module graph.
func authRegistry(t *testing.T) string {
	t.Helper()
	if registry == "" {
		t.Skip("needs " + registryBin + " (apt-get install docker-registry)")
	}
	out, err := exec.Command("perl", "-e", "print crypt($ARGV[0], $ARGV[1])", "s3cret", "$2b$05$hullhullhullhullhullhu").Output()
	if err != nil || !strings.HasPrefix(string(out), "$2b$05$") {
		t.Skipf("no bcrypt here (perl crypt gave %q, %v)", out, err)
	}
	dir := t.TempDir()
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte("hull:"+string(out)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, stop, err := startRegistry(dir, htpasswd)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return addr
}

// login refuses wrong credentials in one line, stores right ones where
// push finds them, and logout removes them.
func TestLoginPushLogout(t *testing.T) {
	addr := authRegistry(t)
	root, _ := withBusybox(t, addr+"/private/busybox")
	r := hull(t, root, nil, "login", "-u", "hull", "-p", "wrong", addr)
	if r.code != 125 || !strings.HasPrefix(r.stderr, "WARNING! Using --password") || !strings.Contains(r.stderr, "\nhull: login to "+addr+": unauthorized") {
		t.Errorf("login with a wrong password: exit %d %q", r.code, r.stderr)
	}
	if msg := fails(t, root, "push", addr+"/private/busybox"); !strings.Contains(msg, "unauthorized") {
		t.Errorf("push before login: %q", msg)
	}
	r = hull(t, root, strings.NewReader("s3cret\n"), "login", "--username", "hull", "--password-stdin", addr)
	if r.code != 0 || r.stdout != "Login Succeeded\n" {
		t.Fatalf("login --password-stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	ok(t, root, "push", "-q", addr+"/private/busybox")
	if out := ok(t, root, "logout", addr); out != "Removing login credentials for "+addr+"\n" {
		t.Errorf("logout: %q", out)
	}
	if msg := fails(t, root, "pull", addr+"/private/busybox"); !strings.Contains(msg, "unauthorized") {
		t.Errorf("pull after logout: %q", msg)
	}
}
