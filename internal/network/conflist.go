package network

import (
	"encoding/binary"
	"encoding/json"
	"net/netip"
	"strconv"
)

// cniVersion is the newest version Debian's plugins (1.1.1) speak.
const cniVersion = "1.0.0"

// conflist is the CNI network configuration list for one endpoint: the
// bridge plugin with host-local IPAM, and portmap only when the container
// publishes ports (portmap's DEL scans iptables even when it mapped
// nothing, which costs every container a few milliseconds for nothing).
// The IPAM data lives under the store's root, not /var/lib/cni, so that
// engines with different roots never share address allocations.
func (s *Store) conflist(n *Network, withPorts bool) ([]byte, error) {
	rng := map[string]any{"subnet": n.Subnet.String(), "gateway": n.Gateway.String()}
	if n.IPRange.IsValid() {
		// host-local's range is inclusive and must avoid the subnet's
		// network and broadcast addresses.
		first, last := n.IPRange.Masked().Addr(), lastAddr(n.IPRange)
		if first == n.Subnet.Addr() {
			first = first.Next()
		}
		if last == lastAddr(n.Subnet) {
			last = last.Prev()
		}
		rng["rangeStart"], rng["rangeEnd"] = first.String(), last.String()
	}
	ipam := map[string]any{
		"type":    "host-local",
		"ranges":  [][]any{{rng}},
		"dataDir": s.ipamDir(),
	}
	if !n.Internal {
		ipam["routes"] = []any{map[string]any{"dst": "0.0.0.0/0"}}
	}
	bridge := map[string]any{
		"type":         "bridge",
		"bridge":       n.Bridge,
		"isGateway":    true,
		"ipMasq":       false, // hull masquerades per network, see firewall.go
		"hairpinMode":  true,
		"capabilities": map[string]bool{"ips": true, "mac": true},
		"ipam":         ipam,
	}
	if mtu, err := strconv.Atoi(n.Options[OptMTU]); err == nil && mtu > 0 {
		bridge["mtu"] = mtu
	}
	plugins := []any{bridge}
	if withPorts {
		plugins = append(plugins, map[string]any{
			"type":         "portmap",
			"capabilities": map[string]bool{"portMappings": true},
			"snat":         true,
		})
	}
	return json.Marshal(map[string]any{"cniVersion": cniVersion, "name": n.Name, "plugins": plugins})
}

// lastAddr is the last IPv4 address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := binary.BigEndian.Uint32(a[:]) | (1<<(32-p.Bits()) - 1)
	binary.BigEndian.PutUint32(a[:], v)
	return netip.AddrFrom4(a)
}
