package network

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

// CreateOptions are `hull network create`'s flags.
type CreateOptions struct {
	Name string
	// Driver must be "bridge" (or empty).
	Driver string
	// Subnet, Gateway and IPRange are --subnet, --gateway and --ip-range;
	// without a subnet one is picked from the pool (see the package doc),
	// without a gateway it is the subnet's first address.
	Subnet  netip.Prefix
	Gateway netip.Addr
	IPRange netip.Prefix
	// Internal networks have no route out and no NAT.
	Internal bool
	Labels   map[string]string
	// Options are -o: com.docker.network.bridge.name names the bridge,
	// com.docker.network.driver.mtu sets its MTU.
	Options map[string]string
}

// Option keys of -o that hull reads, in Docker's names.
const (
	OptBridgeName = "com.docker.network.bridge.name"
	OptMTU        = "com.docker.network.driver.mtu"
)

// pool is where networks without --subnet get theirs: the /16s from
// 172.29.0.0 down to 172.20.0.0. They are the top of the range Docker's
// daemon allocates from upwards (172.17, 172.18, ...), so a Docker on the
// same host does not collide with hull first; a subnet that overlaps a
// host route or another hull network is skipped.
func pool() []netip.Prefix {
	var ps []netip.Prefix
	for b := 29; b >= 20; b-- {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(b), 0, 0}), 16))
	}
	return ps
}

// Create makes a network. Nothing is set up on the host until the first
// container attaches: the bridge, the NAT and the isolation rules come then.
func (s *Store) Create(o CreateOptions) (*Network, error) {
	n, err := s.newNetwork(o)
	if err != nil {
		return nil, err
	}
	unlock, err := s.lockStore()
	if err != nil {
		return nil, err
	}
	defer unlock()
	return n, s.commit(n)
}

// commit checks the new network against the others and the host, then
// writes it. The caller holds the store lock.
func (s *Store) commit(n *Network) error {
	others, err := s.List()
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.Name == n.Name {
			return fmt.Errorf("network with name %s already exists: %w", n.Name, errdefs.ErrConflict)
		}
		if o.Bridge == n.Bridge {
			return fmt.Errorf("bridge %s is already used by network %s: %w", n.Bridge, o.Name, errdefs.ErrConflict)
		}
	}
	if !n.Subnet.IsValid() {
		if n.Subnet, err = freeSubnet(others); err != nil {
			return err
		}
		n.Gateway, n.AutoSubnet = n.Subnet.Addr().Next(), true
	} else if err := checkOverlap(n.Subnet, others); err != nil {
		return err
	}
	dir := s.dir(n.ID)
	if err := os.MkdirAll(filepath.Join(dir, "endpoints"), 0o700); err != nil {
		return fmt.Errorf("creating network %s: %w", n.Name, err)
	}
	if err := writeJSON(filepath.Join(dir, "network.json"), n); err != nil {
		os.RemoveAll(dir)
		return fmt.Errorf("creating network %s: %w", n.Name, err)
	}
	return nil
}

// newNetwork checks the options and fills the record, but for a subnet
// from the pool, which needs the store lock.
func (s *Store) newNetwork(o CreateOptions) (*Network, error) {
	if o.Driver != "" && o.Driver != "bridge" {
		return nil, fmt.Errorf("plugin %q not found: hull only has the bridge driver: %w", o.Driver, errdefs.ErrNotFound)
	}
	if !validName.MatchString(o.Name) {
		return nil, fmt.Errorf("invalid network name %q, only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed: %w", o.Name, errdefs.ErrInvalidArgument)
	}
	n := &Network{
		ID: newID(), Name: o.Name, Created: time.Now().UTC(), Driver: "bridge",
		Internal: o.Internal, Labels: o.Labels, Options: o.Options,
	}
	n.Bridge = "hull-" + n.ID[:10]
	if b := o.Options[OptBridgeName]; b != "" {
		if len(b) > 15 || strings.ContainsAny(b, "/ \t") {
			return nil, fmt.Errorf("invalid bridge name %q: %w", b, errdefs.ErrInvalidArgument)
		}
		n.Bridge = b
	}
	if err := setAddresses(n, o); err != nil {
		return nil, err
	}
	return n, nil
}

// setAddresses checks --subnet, --gateway and --ip-range.
func setAddresses(n *Network, o CreateOptions) error {
	invalid := func(format string, a ...any) error {
		return fmt.Errorf(format+": %w", append(a, errdefs.ErrInvalidArgument)...)
	}
	if !o.Subnet.IsValid() {
		if o.Gateway.IsValid() || o.IPRange.IsValid() {
			return invalid("--gateway and --ip-range need a --subnet")
		}
		return nil
	}
	if !o.Subnet.Addr().Is4() {
		return invalid("invalid subnet %s: hull networks are IPv4 only", o.Subnet)
	}
	if o.Subnet.Bits() > 30 {
		return invalid("invalid subnet %s: it must hold at least two addresses for containers", o.Subnet)
	}
	n.Subnet = o.Subnet.Masked()
	n.Gateway = n.Subnet.Addr().Next()
	if o.Gateway.IsValid() {
		if !n.Subnet.Contains(o.Gateway) {
			return invalid("no matching subnet for gateway %s", o.Gateway)
		}
		n.Gateway = o.Gateway
	}
	if o.IPRange.IsValid() {
		r := o.IPRange.Masked()
		if !n.Subnet.Contains(r.Addr()) || r.Bits() < n.Subnet.Bits() {
			return invalid("no matching subnet for range %s", o.IPRange)
		}
		n.IPRange = r
	}
	return nil
}

// freeSubnet is the first subnet of the pool that overlaps neither another
// network nor a host route.
func freeSubnet(others []*Network) (netip.Prefix, error) {
	for _, p := range pool() {
		if checkOverlap(p, others) == nil {
			return p, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("all predefined address pools have been fully subnetted: %w", errdefs.ErrUnavailable)
}

// checkOverlap refuses a subnet that overlaps another network of this
// store or a route of the host (but for the default route, which overlaps
// everything, and the routes of this store's own bridges, checked as
// networks). Another root's bridges count as the host's.
func checkOverlap(p netip.Prefix, others []*Network) error {
	for _, o := range others {
		if o.Subnet.Overlaps(p) {
			return fmt.Errorf("invalid pool request: pool %s overlaps with network %s (%s): %w", p, o.Name, o.Subnet, errdefs.ErrConflict)
		}
	}
	return checkRoutes(p, others)
}

// checkRoutes refuses a subnet that overlaps a host route on a device that
// is not the bridge of one of the given networks.
func checkRoutes(p netip.Prefix, ours []*Network) error {
	routes, err := hostRoutes()
	if err != nil {
		return err
	}
	for _, r := range routes {
		if r.dst.Bits() == 0 || slices.ContainsFunc(ours, func(n *Network) bool { return n.Bridge == r.dev }) {
			continue
		}
		if r.dst.Overlaps(p) {
			return fmt.Errorf("invalid pool request: pool %s overlaps with the host's route to %s on %s: %w", p, r.dst, r.dev, errdefs.ErrConflict)
		}
	}
	return nil
}

type route struct {
	dev string
	dst netip.Prefix
}

// hostRoutes reads the host's IPv4 routes from /proc/net/route, whose
// addresses are hexadecimal in the host's byte order (little endian here).
func hostRoutes() ([]route, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return nil, fmt.Errorf("reading the host's routes: %w", err)
	}
	defer f.Close()
	var rs []route
	sc := bufio.NewScanner(f)
	sc.Scan() // the header
	for sc.Scan() {
		fl := strings.Fields(sc.Text())
		if len(fl) < 8 {
			continue
		}
		dst, err1 := hexAddr(fl[1])
		mask, err2 := hexAddr(fl[7])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("reading the host's routes: %w", err)
		}
		bits := 0
		for _, b := range mask.As4() {
			for ; b&0x80 != 0; b <<= 1 {
				bits++
			}
		}
		rs = append(rs, route{dev: fl[0], dst: netip.PrefixFrom(dst, bits).Masked()})
	}
	return rs, sc.Err()
}

func hexAddr(s string) (netip.Addr, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return netip.Addr{}, fmt.Errorf("bad address %q", s)
	}
	var a [4]byte
	binary.BigEndian.PutUint32(a[:], binary.LittleEndian.Uint32(b))
	return netip.AddrFrom4(a), nil
}

// Default returns the default network, creating it on first use.
func (s *Store) Default() (*Network, error) {
	if n, err := s.Get(DefaultName); err == nil {
		return n, nil
	}
	unlock, err := s.lockStore()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if n, err := s.Get(DefaultName); err == nil {
		return n, nil // another process made it while we waited
	}
	n := &Network{ID: newID(), Name: DefaultName, Created: time.Now().UTC(), Driver: "bridge", Bridge: s.defaultBridge()}
	n.Options = map[string]string{OptBridgeName: n.Bridge}
	return n, s.commit(n)
}

// defaultBridge is the default network's bridge: hull0 for the system's
// engine, else a name of the root's own, so that roots do not share one.
func (s *Store) defaultBridge() string {
	if s.system {
		return "hull0"
	}
	sum := sha256.Sum256([]byte(s.root))
	return "hull" + hex.EncodeToString(sum[:4])
}
