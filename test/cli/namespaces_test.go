package cli_test

import (
	"strings"
	"testing"
)

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
