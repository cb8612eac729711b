package network

import (
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// plainStore is a store in a temporary root for tests that set nothing up
// on the host.
func plainStore(t *testing.T) *Store {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(Options{Root: filepath.Join(dir, "networks"), ExecRoot: filepath.Join(dir, "exec")})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCreateRefuses(t *testing.T) {
	s := plainStore(t)
	if _, err := s.Create(CreateOptions{Name: "one", Subnet: netip.MustParsePrefix("10.231.50.0/24")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o    CreateOptions
		kind error
		msg  string
	}{
		{CreateOptions{Name: "one"}, errdefs.ErrConflict, "network with name one already exists"},
		{CreateOptions{Name: "two", Subnet: netip.MustParsePrefix("10.231.50.128/25")}, errdefs.ErrConflict, "overlaps with network one"},
		{CreateOptions{Name: "bad name"}, errdefs.ErrInvalidArgument, "invalid network name"},
		{CreateOptions{Name: "x", Driver: "overlay"}, errdefs.ErrNotFound, `plugin "overlay" not found`},
		{CreateOptions{Name: "x", Gateway: netip.MustParseAddr("10.0.0.1")}, errdefs.ErrInvalidArgument, "need a --subnet"},
		{CreateOptions{Name: "x", Subnet: netip.MustParsePrefix("10.231.51.0/24"), Gateway: netip.MustParseAddr("10.231.52.1")}, errdefs.ErrInvalidArgument, "no matching subnet for gateway"},
		{CreateOptions{Name: "x", Subnet: netip.MustParsePrefix("10.231.51.0/24"), IPRange: netip.MustParsePrefix("10.231.52.0/25")}, errdefs.ErrInvalidArgument, "no matching subnet for range"},
		{CreateOptions{Name: "x", Subnet: netip.MustParsePrefix("fd00::/64")}, errdefs.ErrInvalidArgument, "IPv4 only"},
	} {
		_, err := s.Create(c.o)
		if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%+v: %v, want %v saying %q", c.o, err, c.kind, c.msg)
		}
	}
	if ns, _ := s.List(); len(ns) != 1 {
		t.Errorf("%d networks after refusals, want 1", len(ns))
	}
}

func TestPoolSubnets(t *testing.T) {
	s := plainStore(t)
	a, err := s.Create(CreateOptions{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Create(CreateOptions{Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Subnet.Overlaps(b.Subnet) || !a.AutoSubnet || a.Gateway != a.Subnet.Addr().Next() {
		t.Errorf("pool subnets %s and %s (gateway %s)", a.Subnet, b.Subnet, a.Gateway)
	}
	d, err := s.Default()
	if err != nil {
		t.Fatal(err)
	}
	if d.Bridge == "hull0" || !strings.HasPrefix(d.Bridge, "hull") || len(d.Bridge) > 15 {
		t.Errorf("default bridge of a test root: %q", d.Bridge)
	}
	if again, _ := s.Default(); again.ID != d.ID {
		t.Error("a second default network")
	}
	if got, err := s.Get(a.ID[:6]); err != nil || got.Name != "a" {
		t.Errorf("by id prefix: %v %v", got, err)
	}
}

func TestHexAddr(t *testing.T) {
	// /proc/net/route spells 10.231.0.0 as the little-endian 0000E70A.
	a, err := hexAddr("0000E70A")
	if err != nil || a != netip.MustParseAddr("10.231.0.0") {
		t.Errorf("hexAddr: %v %v", a, err)
	}
	if _, err := hexAddr("xyz"); err == nil {
		t.Error("hexAddr of garbage: no error")
	}
}

func TestConflist(t *testing.T) {
	s := plainStore(t)
	n := &Network{Name: "c", Bridge: "hull-c", Subnet: netip.MustParsePrefix("10.231.53.0/24"), Gateway: netip.MustParseAddr("10.231.53.1"), Internal: true}
	b, err := s.conflist(n, true)
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		Plugins []map[string]any `json:"plugins"`
	}
	if err := json.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	if len(conf.Plugins) != 2 || conf.Plugins[0]["type"] != "bridge" || conf.Plugins[1]["type"] != "portmap" {
		t.Fatalf("plugins %v", conf.Plugins)
	}
	ipam := conf.Plugins[0]["ipam"].(map[string]any)
	if ipam["dataDir"] != s.ipamDir() || ipam["routes"] != nil {
		t.Errorf("internal network's IPAM: %v", ipam)
	}
	if b, _ := s.conflist(n, false); strings.Contains(string(b), "portmap") {
		t.Error("portmap without published ports")
	}
}

// The managed part of a hosts file names the peers and is rewritten in
// place: a bind mount of the file would not see a new inode.
func TestHostsInPlace(t *testing.T) {
	s := plainStore(t)
	n, err := s.Create(CreateOptions{Name: "h", Subnet: netip.MustParsePrefix("10.231.54.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	os.WriteFile(hosts, []byte("127.0.0.1\tlocalhost\n"), 0o644)
	var before syscall.Stat_t
	syscall.Stat(hosts, &before)
	for i, name := range []string{"me", "peer"} {
		ep, err := s.Connect("h", Endpoint{ContainerID: strings.Repeat(string(rune('a'+i)), 64), ContainerName: name, Aliases: []string{name + "-alias"}})
		if err != nil {
			t.Fatal(err)
		}
		ep.Attached, ep.IP = true, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 231, 54, byte(2 + i)}), 24)
		s.writeEndpoint(ep)
	}
	me := strings.Repeat("a", 64)
	if err := s.RefreshHosts(me, hosts); err != nil {
		t.Fatal(err)
	}
	want := "127.0.0.1\tlocalhost\n" + hostsMarker + "10.231.54.3\tpeer peer-alias bbbbbbbbbbbb\n"
	if b, _ := os.ReadFile(hosts); string(b) != want {
		t.Errorf("hosts:\n%s\nwant:\n%s", b, want)
	}
	os.Remove(s.endpointPath(n.ID, strings.Repeat("b", 64)))
	s.RefreshHosts(me, hosts)
	if b, _ := os.ReadFile(hosts); string(b) != "127.0.0.1\tlocalhost\n" {
		t.Errorf("hosts after the peer left:\n%s", b)
	}
	var after syscall.Stat_t
	syscall.Stat(hosts, &after)
	if before.Ino != after.Ino {
		t.Error("hosts file replaced, not rewritten in place")
	}
}

func TestRenameEndpoints(t *testing.T) {
	s := plainStore(t)
	if _, err := s.Create(CreateOptions{Name: "r", Subnet: netip.MustParsePrefix("10.231.55.0/24")}); err != nil {
		t.Fatal(err)
	}
	id := strings.Repeat("c", 64)
	if _, err := s.Connect("r", Endpoint{ContainerID: id, ContainerName: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Rename(id, "new"); err != nil {
		t.Fatal(err)
	}
	if eps, _ := s.Endpoints(id); len(eps) != 1 || eps[0].ContainerName != "new" {
		t.Errorf("endpoints after rename: %+v", eps)
	}
}

func TestMissingPlugins(t *testing.T) {
	dir := t.TempDir()
	s, _ := Open(Options{Root: dir, ExecRoot: dir, PluginDirs: []string{filepath.Join(dir, "none")}})
	_, err := s.Attach(t.Context(), strings.Repeat("d", 64))
	if !errors.Is(err, errdefs.ErrUnavailable) || !strings.Contains(err.Error(), "apt-get install containernetworking-plugins") {
		t.Errorf("attach without plugins: %v", err)
	}
}

func TestIPRange(t *testing.T) {
	s := plainStore(t)
	n := &Network{Name: "r", Bridge: "hull-r", Subnet: netip.MustParsePrefix("10.231.56.0/24"),
		Gateway: netip.MustParseAddr("10.231.56.1"), IPRange: netip.MustParsePrefix("10.231.56.128/25")}
	b, _ := s.conflist(n, false)
	if !strings.Contains(string(b), `"rangeStart":"10.231.56.128"`) || !strings.Contains(string(b), `"rangeEnd":"10.231.56.254"`) {
		t.Errorf("conflist of --ip-range 10.231.56.128/25: %s", b)
	}
}
