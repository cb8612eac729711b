package oci_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A container with a user namespace runs as root inside and as the mapped
// uid outside.
func TestUserNamespace(t *testing.T) {
	e := newEnv(t, "sh", "-c", "id -u; cat /proc/self/uid_map; sleep 100")
	e.spec.Linux.Namespaces = append(e.spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	e.spec.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	e.spec.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	e.writeSpec()
	out := e.tempFile()
	cmd := exec.Command(hullOCI, "--root", e.root, "run", "-d", "--bundle", e.bundle, "u1")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		t.Fatalf("run -d: %v: %s", err, readBack(t, out))
	}
	waitFor(t, func() bool {
		data, _ := os.ReadFile(out.Name())
		return strings.Count(string(data), "\n") >= 2
	})
	fields := strings.Fields(readBack(t, out))
	if len(fields) != 4 || fields[0] != "0" || fields[1] != "0" || fields[2] != "100000" || fields[3] != "65536" {
		t.Fatalf("inside: %q, want uid 0 and the map 0 100000 65536", fields)
	}
	pid := int(e.state("u1")["pid"].(float64))
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "Uid:\t100000\t100000\t100000\t100000") {
		t.Errorf("host view of init's uids:\n%s", status)
	}
	// exec enters the user namespace too.
	if got := strings.TrimSpace(e.mustRun("exec", "u1", "id", "-u")); got != "0" {
		t.Errorf("exec: uid %q, want 0", got)
	}
}

// A namespace given by path is joined, not created: two containers share
// one network namespace.
func TestJoinNamespaceByPath(t *testing.T) {
	e := newEnv(t, "sleep", "100")
	pid := startSleeper(t, e, "owner")
	netns := "/proc/" + strconv.Itoa(pid) + "/ns/net"
	want, err := os.Readlink(netns)
	if err != nil {
		t.Fatal(err)
	}
	e2 := newEnv(t, "readlink", "/proc/self/ns/net")
	for i, ns := range e2.spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			e2.spec.Linux.Namespaces[i].Path = netns
		}
	}
	e2.writeSpec()
	if got := strings.TrimSpace(e2.mustRun("run", "--bundle", e2.bundle, "joiner")); got != want {
		t.Fatalf("joiner's net namespace %q, want the owner's %q", got, want)
	}
	// Joining a path that is no namespace fails create cleanly.
	e3 := newEnv(t, "true")
	for i, ns := range e3.spec.Linux.Namespaces {
		if ns.Type == specs.NetworkNamespace {
			e3.spec.Linux.Namespaces[i].Path = "/proc/self/status"
		}
	}
	e3.writeSpec()
	if _, errOut, code := e3.run("create", "--bundle", e3.bundle, "badns"); code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
		t.Fatalf("create with a bad namespace path: exit %d, %q", code, errOut)
	}
	assertNoTrace(t, e3, "badns")
}
