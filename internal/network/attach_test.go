package network

import (
	"context"
	"net/netip"
	"os"
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
