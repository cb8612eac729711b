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
