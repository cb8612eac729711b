package spec

import (
	"testing"
)

// The engine's own network namespace is joined by path, yet it is the
// container's: a hostname may be set and Docker's network sysctls apply.
func TestGenerateNetworkNSPath(t *testing.T) {
	s := generate(t, busyboxImage, Options{NetworkMode: "bridge", NetworkNSPath: "/run/hull/netns/abc", Hostname: "web"})
	if ns := nsByType(s, "network"); ns == nil || ns.Path != "/run/hull/netns/abc" {
		t.Fatalf("network namespace %+v, want the engine's", ns)
	}
	if s.Hostname != "web" {
		t.Errorf("hostname %q", s.Hostname)
	}
	if s.Linux.Sysctl["net.ipv4.ping_group_range"] != "0 2147483647" {
		t.Errorf("Docker's network sysctls missing: %v", s.Linux.Sysctl)
	}
	// Host and container: modes win over the path.
	s = generate(t, busyboxImage, Options{NetworkMode: "host", NetworkNSPath: "/run/hull/netns/abc"})
	if ns := nsByType(s, "network"); ns != nil {
		t.Errorf("--network host with a path: namespace %+v", ns)
	}
}
