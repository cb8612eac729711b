package cli_test

import (
	"strings"
	"testing"
)

// commit makes an image of the container's changes: an added file, a
// deleted one (a whiteout in the new layer) and a new CMD.
func TestCommit(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "--name", "src", "busybox", "sh", "-c", "echo data > /hello; rm /bin/vi")
	id := strings.TrimSpace(run(t, root, "commit", "-m", "add hello", "-c", `CMD ["cat","/hello"]`, "src", "committed:v1"))
	if !strings.HasPrefix(id, "sha256:") {
		t.Fatalf("commit printed %q, want an image id", id)
	}
	if got := run(t, root, "run", "--rm", "committed:v1"); got != "data" {
		t.Errorf("the committed CMD printed %q, want the committed file", got)
	}
	if r := hull(t, root, nil, "run", "--rm", "committed:v1", "ls", "/bin/vi"); r.code == 0 {
		t.Errorf("a file the container deleted is back in the image: %q", r.stdout)
	}
	if h := run(t, root, "history", "committed:v1"); !strings.Contains(h, "add hello") {
		t.Errorf("history lacks the commit message:\n%s", h)
	}
	if msg := fails(t, root, "commit", "nosuch", "x:y"); !strings.Contains(msg, "no such container") {
		t.Errorf("commit of an unknown container: %q", msg)
	}
}

// system prune removes stopped containers and, with -a, every image no
// container uses; a running container and its image stay.
func TestSystemPrune(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "--name", "done", "busybox", "true")
	run(t, root, "commit", "done", "unused:v1")
	run(t, root, "run", "-d", "--name", "live", "busybox", "sleep", "60")
	run(t, root, "run", "--name", "withvol", "-v", "/data", "busybox", "true")
	out := run(t, root, "system", "prune", "-f", "-a", "--volumes")
	if !strings.Contains(out, "Total reclaimed space") {
		t.Errorf("system prune printed %q", out)
	}
	if got := lines(run(t, root, "ps", "-a", "--format", "{{.Names}}")); len(got) != 1 || got[0] != "live" {
		t.Errorf("after prune, containers %v; want only the running one", got)
	}
	imgs := run(t, root, "images", "--format", "{{.Repository}}")
	if strings.Contains(imgs, "unused") || !strings.Contains(imgs, "busybox") {
		t.Errorf("after prune -a, images:\n%s\nwant busybox (in use) and not unused", imgs)
	}
	if vols := run(t, root, "volume", "ls", "-q"); vols != "" {
		t.Errorf("the pruned container's anonymous volume is left: %q", vols)
	}
	if msg := fails(t, root, "system", "prune"); !strings.Contains(msg, "cancelled") {
		t.Errorf("prune without -f and without a terminal: %q", msg)
	}
}

// --pid and --network container:NAME join that container's namespaces.
func TestJoinContainerNamespaces(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "host1", "busybox", "sleep", "60")
	want := run(t, root, "exec", "host1", "readlink", "/proc/self/ns/net")
	got := run(t, root, "run", "--rm", "--pid", "container:host1", "--network", "container:host1", "busybox",
		"sh", "-c", "readlink /proc/self/ns/net; ps -o comm")
	if !strings.HasPrefix(got, want) {
		t.Errorf("network namespace %q, want the other container's %q", got, want)
	}
	if !strings.Contains(got, "sleep") {
		t.Errorf("the other container's sleep is not visible in its pid namespace:\n%s", got)
	}
	if msg := fails(t, root, "run", "--rm", "--pid", "container:nosuch", "busybox", "true"); !strings.Contains(msg, "no such container") {
		t.Errorf("joining an unknown container: %q", msg)
	}
}
