package network

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAttachDetach(t *testing.T) {
	needNet(t)
	s := newTestStore(t)
	n := testNetwork(t, s, "t-attach", CreateOptions{Subnet: netip.MustParsePrefix("10.231.7.0/24")})
	a, nsA := testContainer(t, s, n.Name, "a", Endpoint{})
	b, nsB := testContainer(t, s, n.Name, "b", Endpoint{RequestedIP: netip.MustParseAddr("10.231.7.77")})
	if got := endpointIP(t, s, b); got != netip.MustParseAddr("10.231.7.77") {
		t.Fatalf("--ip: got %s", got)
	}
	// b listens, a connects by address.
	srv := inNetns(nsB, "busybox", "nc", "-l", "-p", "7777")
	out := &strings.Builder{}
	srv.Stdout = out
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	var err error
	for range 50 {
		c := inNetns(nsA, "busybox", "nc", "-w", "2", "10.231.7.77", "7777")
		c.Stdin = strings.NewReader("hello\n")
		if err = c.Run(); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("connecting from a to b: %v", err)
	}
	srv.Wait()
	if out.String() != "hello\n" {
		t.Fatalf("b received %q", out.String())
	}
	// The hosts file names the peer.
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost\n"), 0o644)
	if err := s.RefreshHosts(a, hosts); err != nil {
		t.Fatal(err)
	}
	if h, _ := os.ReadFile(hosts); !strings.Contains(string(h), "10.231.7.77\tb "+b[:12]) {
		t.Fatalf("hosts of a:\n%s", h)
	}

	ipam := filepath.Join(s.ipamDir(), n.Name)
	for _, id := range []string{a, b} {
		if err := s.Release(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(context.Background(), id); err != nil {
			t.Fatalf("second release: %v", err)
		}
	}
	if left := allocations(t, ipam); len(left) > 0 {
		t.Fatalf("allocations left: %v", left)
	}
	if _, err := os.Stat(nsA); !os.IsNotExist(err) {
		t.Fatalf("netns left: %v", err)
	}
}

// allocations are host-local's files of allocated addresses.
func allocations(t *testing.T, dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, de := range ents {
		if _, err := netip.ParseAddr(de.Name()); err == nil {
			out = append(out, de.Name())
		}
	}
	return out
}

// TestHostSide: a network's bridge and rules stay between containers, go
// with `network rm`, and a root deleted without hull loses them at the
// next bring-up of any network.
func TestHostSide(t *testing.T) {
	needNet(t)
	s := newTestStore(t)
	n := testNetwork(t, s, "t-host", CreateOptions{Subnet: netip.MustParsePrefix("10.231.8.0/24")})
	for range 2 {
		id, _ := testContainer(t, s, n.Name, "c", Endpoint{})
		if err := s.Release(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if !s.isUp(n) {
			t.Fatal("host side went down with the last container")
		}
	}
	if err := s.Remove(n.Name); err != nil {
		t.Fatal(err)
	}
	assertNoHostSide(t, n)

	// A root deleted behind hull's back.
	orphan := newTestStore(t)
	on := testNetwork(t, orphan, "t-orphan", CreateOptions{Subnet: netip.MustParsePrefix("10.231.12.0/24")})
	id, _ := testContainer(t, orphan, on.Name, "c", Endpoint{})
	orphan.Release(context.Background(), id)
	os.RemoveAll(orphan.root)
	m := testNetwork(t, s, "t-next", CreateOptions{Subnet: netip.MustParsePrefix("10.231.13.0/24")})
	id, _ = testContainer(t, s, m.Name, "c", Endpoint{})
	s.Release(context.Background(), id)
	assertNoHostSide(t, on)
}

func assertNoHostSide(t *testing.T, n *Network) {
	t.Helper()
	if bridgeExists(n.Bridge) {
		t.Fatalf("bridge %s left", n.Bridge)
	}
	if out, _ := exec.Command("iptables-save").Output(); strings.Contains(string(out), n.Bridge) {
		t.Fatalf("rules of %s left:\n%s", n.Bridge, out)
	}
	if _, err := os.Stat(filepath.Join(HostDir, n.ID+".json")); err == nil {
		t.Fatalf("%s still registered", n.Name)
	}
}
