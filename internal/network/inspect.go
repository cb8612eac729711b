package network

import (
	"net"

	"github.com/moby/moby/api/types/network"
)

// Summary is the network in the shape of Docker's network list and
// inspect (without containers).
func (n *Network) Summary() network.Network {
	cfg := network.IPAMConfig{Subnet: n.Subnet, Gateway: n.Gateway, IPRange: n.IPRange}
	opts := n.Options
	if opts == nil {
		opts = map[string]string{}
	}
	labels := n.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return network.Network{
		Name: n.Name, ID: n.ID, Created: n.Created, Scope: "local", Driver: n.Driver,
		EnableIPv4: true, Internal: n.Internal, Attachable: false,
		IPAM:    network.IPAM{Driver: "default", Options: map[string]string{}, Config: []network.IPAMConfig{cfg}},
		Options: opts, Labels: labels,
	}
}

// Inspect is what `hull network inspect` shows: the network and its
// containers, in Docker's shape.
func (s *Store) Inspect(ref string) (*network.Inspect, error) {
	n, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	r := &network.Inspect{Network: n.Summary(), Containers: map[string]network.EndpointResource{}}
	eps, err := s.networkEndpoints(n.ID)
	if err != nil {
		return nil, err
	}
	for _, ep := range eps {
		res := network.EndpointResource{Name: ep.ContainerName, EndpointID: ep.EndpointID()}
		if ep.IP.IsValid() {
			res.IPv4Address = ep.IP
		}
		res.MacAddress = ParseMAC(ep.MacAddress)
		r.Containers[ep.ContainerID] = res
	}
	return r, nil
}

// Settings is the endpoint in the shape of a container inspect's
// NetworkSettings.Networks entry.
func (ep *Endpoint) Settings() *network.EndpointSettings {
	es := &network.EndpointSettings{
		Aliases: ep.Aliases, NetworkID: ep.NetworkID, MacAddress: ParseMAC(ep.MacAddress),
		DNSNames: []string{ep.ContainerName, ep.ShortID()},
	}
	if ep.NetworkName == DefaultName {
		es.DNSNames = nil
	} else {
		es.DNSNames = append(es.DNSNames, ep.Aliases...)
	}
	if ep.RequestedIP.IsValid() {
		es.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: ep.RequestedIP}
	}
	if ep.IP.IsValid() {
		es.EndpointID = ep.EndpointID()
		es.IPAddress, es.IPPrefixLen, es.Gateway = ep.IP.Addr(), ep.IP.Bits(), ep.Gateway
	}
	return es
}

// ParseMAC reads a MAC address, nil for none.
func ParseMAC(s string) network.HardwareAddr {
	if s == "" {
		return nil
	}
	hw, err := net.ParseMAC(s)
	if err != nil {
		return nil
	}
	return network.HardwareAddr(hw)
}
