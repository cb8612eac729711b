package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"strconv"

	"github.com/hullrt/hull/internal/errdefs"
)

// reservePorts checks that the endpoint's host ports are free and picks
// one for each mapping that asks for any (-p 80). Free means: no other
// hull endpoint maps it, and a socket can bind it now. portmap's DNAT
// holds no socket, so a program may still bind the port later; its
// connections then go to the container, not to the program. It returns
// with the store's port lock held, to be released once the endpoint's
// record holds the ports (others then see them taken).
func (s *Store) reservePorts(ep *Endpoint) (func(), error) {
	if len(ep.Ports) == 0 {
		return func() {}, nil
	}
	unlock, err := lockFile(filepath.Join(s.root, "ports.lock"))
	if err != nil {
		return nil, err
	}
	taken, err := s.mappedPorts(ep.ContainerID)
	if err != nil {
		unlock()
		return nil, err
	}
	for i := range ep.Ports {
		p := &ep.Ports[i]
		if err := checkPort(p, taken); err != nil {
			unlock()
			return nil, err
		}
		taken = append(taken, *p)
	}
	return unlock, nil
}

// mappedPorts are the host ports of every other attached endpoint.
func (s *Store) mappedPorts(except string) ([]PortMapping, error) {
	ns, err := s.List()
	if err != nil {
		return nil, err
	}
	var ps []PortMapping
	for _, n := range ns {
		eps, err := s.networkEndpoints(n.ID)
		if err != nil {
			return nil, err
		}
		for _, ep := range eps {
			if ep.Attached && ep.ContainerID != except {
				ps = append(ps, ep.Ports...)
			}
		}
	}
	return ps, nil
}

// checkPort refuses a host port that is mapped or bound already, in
// Docker's words; a zero host port becomes a free one.
func checkPort(p *PortMapping, taken []PortMapping) error {
	if p.Random {
		p.HostPort = 0
	}
	p.Random = p.HostPort == 0
	hostIP := p.HostIP
	if !hostIP.IsValid() {
		hostIP = netip.IPv4Unspecified()
	}
	if p.HostPort != 0 {
		for _, t := range taken {
			if t.HostPort == p.HostPort && t.Protocol == p.Protocol && ipsOverlap(t.HostIP, p.HostIP) {
				return portTaken(hostIP, p.HostPort)
			}
		}
	}
	port, err := bindProbe(p.Protocol, hostIP, p.HostPort)
	if err != nil {
		if p.HostPort == 0 {
			return fmt.Errorf("allocating a host port for %d/%s: %w", p.ContainerPort, p.Protocol, err)
		}
		return portTaken(hostIP, p.HostPort)
	}
	p.HostPort = port
	return nil
}

func portTaken(ip netip.Addr, port uint16) error {
	return fmt.Errorf("Bind for %s failed: port is already allocated: %w", netip.AddrPortFrom(ip, port), errdefs.ErrConflict)
}

// ipsOverlap reports whether two host addresses of mappings can receive
// the same connections (an unspecified one receives all).
func ipsOverlap(a, b netip.Addr) bool {
	if !a.IsValid() || a.IsUnspecified() || !b.IsValid() || b.IsUnspecified() {
		return true
	}
	return a == b
}

// bindProbe binds the port (any free one for 0) and lets it go, returning
// the port it got.
func bindProbe(proto string, ip netip.Addr, port uint16) (uint16, error) {
	addr := net.JoinHostPort(ip.String(), strconv.Itoa(int(port)))
	switch proto {
	case "udp":
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	case "tcp", "":
		l, err := net.Listen("tcp4", addr)
		if err != nil {
			return 0, err
		}
		defer l.Close()
		return uint16(l.Addr().(*net.TCPAddr).Port), nil
	}
	return 0, errors.New("unsupported protocol " + proto)
}
