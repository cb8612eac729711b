package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// Endpoint is one container's membership in one network: what the user
// asked for (Connect) and, while attached, what CNI gave it. Its record is
// ROOT/networks/<network id>/endpoints/<container id>.json.
type Endpoint struct {
	NetworkID     string `json:"networkID"`
	NetworkName   string `json:"networkName"`
	ContainerID   string `json:"containerID"`
	ContainerName string `json:"containerName"`
	// Hostname and Aliases are the names other containers on the network
	// find this one by (with its name and short id), through /etc/hosts.
	Hostname string   `json:"hostname,omitempty"`
	Aliases  []string `json:"aliases,omitempty"`
	// RequestedIP is --ip; zero lets IPAM choose.
	RequestedIP netip.Addr `json:"requestedIP,omitzero"`
	// Ports are the -p mappings, published on this endpoint's address.
	Ports []PortMapping `json:"ports,omitempty"`
	// HostsPath is the container's /etc/hosts on the host. Its part below
	// hostsMarker is rewritten in place when peers come and go.
	HostsPath string `json:"hostsPath,omitempty"`
	// IfName is the interface in the container: eth0, eth1, ...
	IfName string `json:"ifName"`

	// Attached is set before CNI's ADD runs and cleared after its DEL, so
	// that whatever a crash interrupts, Detach knows to run DEL.
	Attached bool `json:"attached,omitempty"`
	// Conflist is the exact configuration ADD ran with, which DEL needs.
	Conflist json.RawMessage `json:"conflist,omitempty"`
	// Set once ADD succeeded.
	IP         netip.Prefix `json:"ip,omitzero"`
	Gateway    netip.Addr   `json:"gateway,omitzero"`
	MacAddress string       `json:"macAddress,omitempty"`
}

// PortMapping is one published port.
type PortMapping struct {
	HostIP        netip.Addr `json:"hostIP,omitzero"`
	HostPort      uint16     `json:"hostPort"`
	ContainerPort uint16     `json:"containerPort"`
	Protocol      string     `json:"protocol"` // tcp or udp
	// Random is set when any host port would do (-p 80): HostPort is the
	// one picked at attach, and is picked again at the next.
	Random bool `json:"random,omitempty"`
}

// EndpointID is the endpoint's stable ID in Docker's shape (64 hex).
func (ep *Endpoint) EndpointID() string {
	if len(ep.ContainerID) < 32 || len(ep.NetworkID) < 32 {
		return ""
	}
	return ep.NetworkID[:32] + ep.ContainerID[:32]
}

// ShortID is the container's id as its name on the network.
func (ep *Endpoint) ShortID() string {
	if len(ep.ContainerID) > 12 {
		return ep.ContainerID[:12]
	}
	return ep.ContainerID
}

func (s *Store) endpointPath(netID, containerID string) string {
	return filepath.Join(s.endpointsDir(netID), containerID+".json")
}

func (s *Store) readEndpoint(netID, containerID string) (*Endpoint, error) {
	b, err := os.ReadFile(s.endpointPath(netID, containerID))
	if err != nil {
		return nil, err
	}
	ep := &Endpoint{}
	if err := json.Unmarshal(b, ep); err != nil {
		return nil, fmt.Errorf("reading endpoint of %s on %s: %w", containerID, netID, err)
	}
	return ep, nil
}

func (s *Store) writeEndpoint(ep *Endpoint) error {
	return writeJSON(s.endpointPath(ep.NetworkID, ep.ContainerID), ep)
}

// networkEndpoints are the endpoints of one network, by container name.
func (s *Store) networkEndpoints(netID string) ([]*Endpoint, error) {
	ents, err := os.ReadDir(s.endpointsDir(netID))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var eps []*Endpoint
	for _, de := range ents {
		id, ok := strings.CutSuffix(de.Name(), ".json")
		if !ok {
			continue
		}
		if ep, err := s.readEndpoint(netID, id); err == nil {
			eps = append(eps, ep)
		}
	}
	slices.SortFunc(eps, func(a, b *Endpoint) int { return strings.Compare(a.ContainerName, b.ContainerName) })
	return eps, nil
}

// Endpoints are the container's endpoints, in the order of their
// interfaces (eth0 first).
func (s *Store) Endpoints(containerID string) ([]*Endpoint, error) {
	ns, err := s.List()
	if err != nil {
		return nil, err
	}
	var eps []*Endpoint
	for _, n := range ns {
		if ep, err := s.readEndpoint(n.ID, containerID); err == nil {
			eps = append(eps, ep)
		}
	}
	slices.SortFunc(eps, func(a, b *Endpoint) int {
		if len(a.IfName) != len(b.IfName) {
			return len(a.IfName) - len(b.IfName)
		}
		return strings.Compare(a.IfName, b.IfName)
	})
	return eps, nil
}

// NetworkEndpoints are the endpoints on the network ref names.
func (s *Store) NetworkEndpoints(ref string) ([]*Endpoint, error) {
	n, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	return s.networkEndpoints(n.ID)
}

// Connect records that the container belongs to the network. It adds no
// interface: Attach does, when the container starts (or at once, for a
// running container, when netns is its namespace). A second endpoint of
// the same container on the same network is refused.
func (s *Store) Connect(ref string, ep Endpoint) (*Endpoint, error) {
	n, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	if ep.RequestedIP.IsValid() {
		if n.Default() {
			return nil, fmt.Errorf("user specified IP address is supported on user defined networks only: %w", errdefs.ErrInvalidArgument)
		}
		if !n.Subnet.Contains(ep.RequestedIP) || ep.RequestedIP == n.Gateway {
			return nil, fmt.Errorf("invalid IP address %s: it is not in network %s's subnet %s or is its gateway: %w", ep.RequestedIP, n.Name, n.Subnet, errdefs.ErrInvalidArgument)
		}
	}
	if len(ep.Aliases) > 0 && n.Default() {
		return nil, fmt.Errorf("network-scoped alias is supported only for containers in user defined networks: %w", errdefs.ErrInvalidArgument)
	}
	unlock, err := s.lockNetwork(n.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if _, err := s.readEndpoint(n.ID, ep.ContainerID); err == nil {
		return nil, fmt.Errorf("endpoint with name %s already exists in network %s: %w", ep.ContainerName, n.Name, errdefs.ErrConflict)
	}
	mine, err := s.Endpoints(ep.ContainerID)
	if err != nil {
		return nil, err
	}
	ep.NetworkID, ep.NetworkName = n.ID, n.Name
	ep.IfName = freeIfName(mine)
	ep.Attached, ep.Conflist, ep.IP, ep.Gateway, ep.MacAddress = false, nil, netip.Prefix{}, netip.Addr{}, ""
	if err := s.writeEndpoint(&ep); err != nil {
		return nil, fmt.Errorf("connecting to network %s: %w", n.Name, err)
	}
	return &ep, nil
}

func freeIfName(eps []*Endpoint) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("eth%d", i)
		if !slices.ContainsFunc(eps, func(ep *Endpoint) bool { return ep.IfName == name }) {
			return name
		}
	}
}

// Rename gives the container's endpoints its new name, and the hosts files
// of its peers with them.
func (s *Store) Rename(containerID, name string) error {
	eps, err := s.Endpoints(containerID)
	if err != nil {
		return err
	}
	for _, ep := range eps {
		unlock, err := s.lockNetwork(ep.NetworkID)
		if err != nil {
			continue // removed meanwhile
		}
		if cur, err := s.readEndpoint(ep.NetworkID, containerID); err == nil {
			cur.ContainerName = name
			err = s.writeEndpoint(cur)
		}
		unlock()
		if err != nil {
			return err
		}
		if ep.NetworkName != DefaultName {
			s.refreshNetworkHosts(ep.NetworkID)
		}
	}
	return nil
}
