package cli_test

import (
	"strings"
	"testing"
)

// system prune removes stopped containers, networks no container uses and,
// with -a, every image no container uses; a running container, its image
// and its network stay.
func TestSystemPrune(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "--name", "done", "busybox", "true")
	run(t, root, "commit", "done", "unused:v1")
	run(t, root, "network", "create", "--subnet", "10.231.60.0/24", "idle")
	run(t, root, "network", "create", "--subnet", "10.231.61.0/24", "used")
	run(t, root, "run", "-d", "--name", "live", "--network", "used", "busybox", "sleep", "60")
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
	if nets := run(t, root, "network", "ls", "--format", "{{.Name}}"); strings.Contains(nets, "idle") || !strings.Contains(nets, "used") {
		t.Errorf("after prune, networks:\n%s\nwant used (in use) and not idle", nets)
	}
	if !strings.Contains(out, "Deleted Networks:\nidle\n") {
		t.Errorf("system prune did not list the network it deleted: %q", out)
	}
	if vols := run(t, root, "volume", "ls", "-q"); vols != "" {
		t.Errorf("the pruned container's anonymous volume is left: %q", vols)
	}
	if msg := fails(t, root, "system", "prune"); !strings.Contains(msg, "cancelled") {
		t.Errorf("prune without -f and without a terminal: %q", msg)
	}
}
