package registry

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// bcryptHash hashes password the way htpasswd files hold it. x/crypto is
// not in hull's module graph, so the hash comes from the C library's
// crypt(3) (libxcrypt does bcrypt) through perl, which Debian always has.
func bcryptHash(t *testing.T, password string) string {
	t.Helper()
	const salt = "$2b$05$hullhullhullhullhullhu"
	out, err := exec.Command("perl", "-e", "print crypt($ARGV[0], $ARGV[1])", password, salt).Output()
	if err != nil || !strings.HasPrefix(string(out), "$2b$05$") {
		t.Skipf("no bcrypt here (perl crypt gave %q, %v): skipping auth tests", out, err)
	}
	return string(out)
}

// authRegistry runs a registry that wants user "hull", password "s3cret".
func authRegistry(t *testing.T) *testRegistry {
	t.Helper()
	htpasswd := filepath.Join(t.TempDir(), "htpasswd")
	if err := os.WriteFile(htpasswd, []byte("hull:"+bcryptHash(t, "s3cret")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return ownRegistry(t, htpasswd)
}

func TestLoginPullPushWithBasicAuth(t *testing.T) {
	reg := authRegistry(t)
	cfgPath := filepath.Join(t.TempDir(), "docker", "config.json")
	os.MkdirAll(filepath.Dir(cfgPath), 0o700)
	os.WriteFile(cfgPath, []byte(`{"credsStore":"","proxies":{"default":{"httpProxy":"x"}}}`), 0o644)
	keys := RemoteOptions{Keychain: ConfigKeychain(cfgPath)}

	f := makeImage(t, 30, 1, 2048, linuxAMD64)
	c := newClient(t)
	store(t, c, "local/auth:1", f)
	target := reg.addr + "/auth/img:1"
	err := c.Push(ctxT(t), "local/auth:1", target, PushOptions{keys})
	checkUnauthorized(t, "push without login", err)

	err = Login(ctxT(t), reg.addr, "hull", "wrong", cfgPath)
	checkUnauthorized(t, "login with a wrong password", err)
	if err := Login(ctxT(t), reg.addr, "hull", "s3cret", cfgPath); err != nil {
		t.Fatal(err)
	}
	checkConfig(t, cfgPath, reg.addr)

	if err := c.Push(ctxT(t), "local/auth:1", target, PushOptions{keys}); err != nil {
		t.Fatal(err)
	}
	img, err := newClient(t).Pull(ctxT(t), target, PullOptions{RemoteOptions: keys})
	if err != nil || img.Target.Digest != f.desc.Digest {
		t.Fatalf("pull with credentials: %v %s", err, img.Target.Digest)
	}

	if err := Logout(reg.addr, cfgPath); err != nil {
		t.Fatal(err)
	}
	_, err = newClient(t).Pull(ctxT(t), target, PullOptions{RemoteOptions: keys})
	checkUnauthorized(t, "pull after logout", err)
	if err := Logout(reg.addr, cfgPath); !errdefs.IsNotFound(err) {
		t.Errorf("second logout: %v, want not found", err)
	}
}

// checkUnauthorized wants err to be one line saying unauthorized.
func checkUnauthorized(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "unauthorized: ") {
		t.Fatalf("%s: err = %v, want one line with unauthorized", what, err)
	}
	t.Logf("%s: %v", what, err)
}

// checkConfig checks Login stored Docker's format and kept other keys.
func checkConfig(t *testing.T, path, host string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config.json mode %v, want 0600", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	var cfg struct {
		Auths   map[string]struct{ Auth string }
		Proxies map[string]any
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Proxies == nil {
		t.Errorf("login dropped the proxies key: %s", data)
	}
	if got, want := cfg.Auths[host].Auth, base64.StdEncoding.EncodeToString([]byte("hull:s3cret")); got != want {
		t.Errorf("auths[%q].auth = %q, want %q", host, got, want)
	}
}

func TestAuthKeysForDockerHub(t *testing.T) {
	if k := authKeys("index.docker.io")[0]; k != "https://index.docker.io/v1/" {
		t.Errorf("Docker Hub key %q", k)
	}
	if h := loginHost("https://registry-1.docker.io/"); h != "index.docker.io" {
		t.Errorf("loginHost = %q", h)
	}
}
