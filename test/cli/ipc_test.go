package cli_test

import (
	"strings"
	"testing"
)

// --ipc shareable lets another container join its IPC namespace and see
// its /dev/shm with --ipc container:NAME, as in Docker; a private one
// refuses, and removing the donor leaves no shm mount behind.
func TestIPCShareable(t *testing.T) {
	root := engineRoot(t)
	donor := run(t, root, "run", "-d", "--name", "donor", "--ipc", "shareable", "busybox",
		"sh", "-c", "echo secret > /dev/shm/x; exec sleep 1000")
	eventually(t, "the donor to write /dev/shm", func() bool {
		return hull(t, root, nil, "exec", "donor", "cat", "/dev/shm/x").stdout == "secret\n"
	})
	got := run(t, root, "run", "--rm", "--ipc", "container:donor", "busybox", "sh", "-c", "cat /dev/shm/x; readlink /proc/self/ns/ipc")
	want := "secret\n" + run(t, root, "exec", "donor", "readlink", "/proc/self/ns/ipc")
	if got != want {
		t.Errorf("the joiner sees %q, want the donor's /dev/shm and IPC namespace %q", got, want)
	}

	run(t, root, "run", "-d", "--name", "private", "busybox", "sleep", "1000")
	r := hull(t, root, nil, "run", "--rm", "--ipc", "container:private", "busybox", "true")
	if r.code != 125 || !strings.Contains(r.stderr, "non-shareable IPC") {
		t.Errorf("joining a private IPC: exit %d, %q", r.code, r.stderr)
	}
	run(t, root, "rm", "-f", "donor", "private")
	assertGone(t, root, donor)
}
