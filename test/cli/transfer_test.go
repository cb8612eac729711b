package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// push sends the image to a registry; pulled back after rmi it has the
// same ID.
func TestPushRmiPull(t *testing.T) {
	if registry == "" {
		t.Skip("needs " + registryBin + " (apt-get install docker-registry)")
	}
	root, id := withBusybox(t, "busybox")
	ref := registry + "/cli/busybox:v1"
	ok(t, root, "tag", "busybox", ref)
	if out := ok(t, root, "push", ref); !strings.Contains(out, "The push refers to repository ["+registry+"/cli/busybox]") ||
		!strings.Contains(out, "v1: digest: sha256:") {
		t.Errorf("push printed:\n%s", out)
	}
	ok(t, root, "rmi", ref)
	ok(t, root, "rmi", "busybox")
	out := ok(t, root, "pull", ref)
	if !strings.Contains(out, "v1: Pulling from cli/busybox") || !strings.HasSuffix(out, ref+"\n") {
		t.Errorf("pull printed:\n%s", out)
	}
	if got := ok(t, root, "images", "-q", "--no-trunc"); got != id+"\n" {
		t.Errorf("pulled image ID %q, want %s", got, id)
	}
	if got := ok(t, root, "pull", "-q", ref); got != ref+"\n" {
		t.Errorf("pull -q printed %q", got)
	}
}

// save writes an archive that load reads back as the same image.
func TestSaveRmiLoad(t *testing.T) {
	root, id := withBusybox(t, "busybox:1.0")
	file := filepath.Join(t.TempDir(), "busybox.tar")
	ok(t, root, "save", "-o", file, "busybox:1.0")
	if st, err := os.Stat(file); err != nil || st.Size() == 0 {
		t.Fatalf("save -o wrote nothing: %v", err)
	}
	ok(t, root, "rmi", "busybox:1.0")
	if got := ok(t, root, "load", "-i", file); got != "Loaded image: busybox:1.0\n" {
		t.Errorf("load printed %q", got)
	}
	if got := ok(t, root, "images", "-q", "--no-trunc"); got != id+"\n" {
		t.Errorf("loaded image ID %q, want %s", got, id)
	}
	// stdin and stdout work too.
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	other := t.TempDir()
	if r := hull(t, other, f, "load"); r.code != 0 || r.stdout != "Loaded image: busybox:1.0\n" {
		t.Errorf("load from stdin: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := hull(t, root, nil, "save", "busybox:1.0"); r.code != 0 || len(r.stdout) < 1000 {
		t.Errorf("save to stdout: exit %d, %d bytes, %q", r.code, len(r.stdout), r.stderr)
	}
}

// logout without a login says so and succeeds, as docker does.
func TestLogoutWithoutLogin(t *testing.T) {
	if out := ok(t, t.TempDir(), "logout", "127.0.0.1:1"); out != "Not logged in to 127.0.0.1:1\n" {
		t.Errorf("logout: %q", out)
	}
}

// login needs credentials it cannot prompt for without a terminal.
func TestLoginNoTerminal(t *testing.T) {
	if msg := fails(t, t.TempDir(), "login", "127.0.0.1:1"); !strings.Contains(msg, "non TTY") {
		t.Errorf("login without a terminal: %q", msg)
	}
}
