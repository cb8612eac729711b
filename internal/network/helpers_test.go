package network

import (
	"context"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// needNet skips a test that needs root and the CNI plugins.
func needNet(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat(filepath.Join(DefaultPluginDir, "bridge")); err != nil {
		t.Skip("needs the CNI plugins in " + DefaultPluginDir)
	}
	if _, err := exec.LookPath("iptables"); err != nil {
		t.Skip("needs iptables")
	}
}

// newTestStore is a store in a temporary root; its networks are removed
// and its containers released when the test ends.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(Options{Root: filepath.Join(dir, "networks"), ExecRoot: filepath.Join(dir, "exec")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ns, _ := s.List()
		for _, n := range ns {
			eps, _ := s.networkEndpoints(n.ID)
			for _, ep := range eps {
				s.Release(context.Background(), ep.ContainerID)
			}
			if n.Default() {
				s.tearDown(n)
				continue
			}
			if err := s.Remove(n.ID); err != nil {
				t.Errorf("cleanup: %v", err)
			}
		}
	})
	return s
}

// testNetwork creates a user network on a subnet no host route uses.
func testNetwork(t *testing.T, s *Store, name string, o CreateOptions) *Network {
	t.Helper()
	o.Name = name
	n, err := s.Create(o)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

var testIDs = 0

// testContainer connects a made-up container to the network and attaches
// it, returning its id and netns.
func testContainer(t *testing.T, s *Store, net, name string, ep Endpoint) (string, string) {
	t.Helper()
	testIDs++
	id := strings.Repeat(string(rune('a'+testIDs%6)), 8) + strings.Repeat("0", 55) + string(rune('0'+testIDs%10))
	ep.ContainerID, ep.ContainerName = id, name
	if _, err := s.Connect(net, ep); err != nil {
		t.Fatal(err)
	}
	netns, err := s.Attach(context.Background(), id)
	if err != nil {
		s.Release(context.Background(), id)
		t.Fatal(err)
	}
	return id, netns
}

// inNetns runs a command in a network namespace.
func inNetns(netns string, args ...string) *exec.Cmd {
	return exec.Command("nsenter", append([]string{"--net=" + netns, "--"}, args...)...)
}

func endpointIP(t *testing.T, s *Store, id string) netip.Addr {
	t.Helper()
	eps, err := s.Endpoints(id)
	if err != nil || len(eps) == 0 || !eps[0].IP.IsValid() {
		t.Fatalf("no address for %s: %v", id, err)
	}
	return eps[0].IP.Addr()
}

func needNetB(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	if _, err := os.Stat(filepath.Join(DefaultPluginDir, "bridge")); err != nil {
		b.Skip("needs the CNI plugins")
	}
}

// newBenchStore is a store in a temporary root whose networks are removed
// at the end; system keeps host sides up between containers.
func newBenchStore(b *testing.B, system bool) *Store {
	dir := b.TempDir()
	s, err := Open(Options{Root: filepath.Join(dir, "networks"), ExecRoot: filepath.Join(dir, "exec"), System: system})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ns, _ := s.List()
		for _, n := range ns {
			s.Remove(n.ID)
		}
	})
	return s
}
