package network

import (
	"encoding/json"
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
		first := n.IPRange.Addr()
		if first == n.IPRange.Masked().Addr() {
			first = first.Next()
		}
		rng["rangeStart"] = first.String()
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
