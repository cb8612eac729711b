package network

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// An ADD killed after CNI ran but before the record took its result, and a
// namespace lost behind hull's back (a reboot empties the exec root): the
// next Attach cleans up first, and nothing is allocated twice or left.
func TestAttachAfterCrash(t *testing.T) {
	needNet(t)
	s := newTestStore(t)
	n := testNetwork(t, s, "t-crash", CreateOptions{Subnet: netip.MustParsePrefix("10.231.14.0/24")})
	ipam := filepath.Join(s.ipamDir(), n.Name)
	ctx := context.Background()
	id, _ := testContainer(t, s, n.Name, "c", Endpoint{})

	ep, err := s.readEndpoint(n.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	ep.IP = netip.Prefix{} // attached, as far as the record knows, with no result
	s.writeEndpoint(ep)
	if _, err := s.Attach(ctx, id); err != nil {
		t.Fatalf("attach after an interrupted ADD: %v", err)
	}
	if a := allocations(t, ipam); len(a) != 1 {
		t.Fatalf("allocations after re-attach: %v", a)
	}

	if err := removeNetns(s.NetnsPath(id)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attach(ctx, id); err != nil {
		t.Fatalf("attach after the namespace was lost: %v", err)
	}
	if a := allocations(t, ipam); len(a) != 1 {
		t.Fatalf("allocations after the namespace was lost: %v", a)
	}
	if err := s.Release(ctx, id); err != nil {
		t.Fatal(err)
	}
	if a := allocations(t, ipam); len(a) != 0 {
		t.Fatalf("allocations left: %v", a)
	}
}

// Containers attaching at once get distinct addresses and all name each
// other.
func TestConcurrentAttach(t *testing.T) {
	needNet(t)
	s := newTestStore(t)
	n := testNetwork(t, s, "t-many", CreateOptions{Subnet: netip.MustParsePrefix("10.231.15.0/24")})
	const count = 8
	ids := make([]string, count)
	for i := range ids {
		ids[i] = fmt.Sprintf("%064x", 0xc0ffee00+i)
		if _, err := s.Connect(n.Name, Endpoint{ContainerID: ids[i], ContainerName: fmt.Sprintf("c%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, count)
	for i := range ids {
		wg.Go(func() { _, errs[i] = s.Attach(context.Background(), ids[i]) })
	}
	wg.Wait()
	seen := map[netip.Addr]bool{}
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatalf("attach %d: %v", i, errs[i])
		}
		ip := endpointIP(t, s, id)
		if seen[ip] {
			t.Fatalf("%s given twice", ip)
		}
		seen[ip] = true
	}
	if got := strings.Count(s.HostsSection(ids[0]), "\n"); got != count {
		t.Errorf("hosts section of c0 has %d lines, want a marker and %d peers", got, count-1)
	}
}
