package engine

import (
	"context"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/network"
)

// Networks is the network store. It keeps nothing in memory, so making one
// per call costs a directory check; a container with --network none never
// makes one. The default root's store is the system's: its bridges stay up
// between containers (see network.Options).
func (e *Engine) Networks() (*network.Store, error) {
	return network.Open(network.Options{
		Root: filepath.Join(e.root, "networks"), ExecRoot: e.execRoot,
		System: filepath.Clean(e.root) == DefaultRoot,
	})
}

// networked reports whether the container has a network namespace of its
// own that the engine attaches to networks: the default bridge or a user
// network (not none, host or another container's).
func networked(hc *container.HostConfig) bool {
	switch nm := string(hc.NetworkMode); {
	case nm == "none", nm == "host", strings.HasPrefix(nm, "container:"):
		return false
	}
	return true
}

// primaryNetwork is the network the mode names: the default bridge for
// "", "default" and "bridge", else the user network of that name.
func primaryNetwork(hc *container.HostConfig) string {
	switch nm := string(hc.NetworkMode); nm {
	case "", "default", "bridge":
		return network.DefaultName
	default:
		return nm
	}
}

// connectAtCreate records the container's endpoint on the network its
// mode names, with the ports it publishes and the request's --ip and
// --network-alias. Nothing is attached until Start.
func (e *Engine) connectAtCreate(c *Container, nc *mobynet.NetworkingConfig) error {
	if !networked(c.HostConfig) {
		return nil
	}
	var settings *mobynet.EndpointSettings
	if nc != nil {
		settings = nc.EndpointsConfig[string(c.HostConfig.NetworkMode)]
	}
	if c.HostConfig.NetworkMode == "" || c.HostConfig.NetworkMode == "default" {
		c.HostConfig.NetworkMode = "bridge"
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	name := primaryNetwork(c.HostConfig)
	if name == network.DefaultName {
		if _, err := ns.Default(); err != nil {
			return err
		}
	}
	ep := e.endpoint(c, settings)
	if ep.Ports, err = portMappings(c.Config, c.HostConfig); err != nil {
		return err
	}
	_, err = ns.Connect(name, ep)
	return err
}

// endpoint is the container's endpoint as the network package takes it.
func (e *Engine) endpoint(c *Container, s *mobynet.EndpointSettings) network.Endpoint {
	ep := network.Endpoint{ContainerID: c.ID, ContainerName: c.Name, Hostname: c.Config.Hostname}
	if !userMounted(c, "/etc/hosts") {
		ep.HostsPath = filepath.Join(e.dir(c.ID), "hosts")
	}
	if s != nil {
		ep.Aliases = s.Aliases
		if s.IPAMConfig != nil {
			ep.RequestedIP = s.IPAMConfig.IPv4Address
		}
	}
	return ep
}

// portMappings are -p's bindings, and with -P one for each exposed port
// that has none, on a host port picked at attach.
func portMappings(cfg *container.Config, hc *container.HostConfig) ([]network.PortMapping, error) {
	var pms []network.PortMapping
	add := func(p mobynet.Port, b mobynet.PortBinding) error {
		pm := network.PortMapping{ContainerPort: p.Num(), Protocol: string(p.Proto()), HostIP: b.HostIP}
		if pm.Protocol == "" {
			pm.Protocol = "tcp"
		}
		if pm.Protocol != "tcp" && pm.Protocol != "udp" {
			return fmt.Errorf("publishing %s: only tcp and udp ports can be published: %w", p, errdefs.ErrInvalidArgument)
		}
		if b.HostPort != "" {
			var hp uint16
			if _, err := fmt.Sscan(b.HostPort, &hp); err != nil || hp == 0 {
				return fmt.Errorf("invalid host port %q: %w", b.HostPort, errdefs.ErrInvalidArgument)
			}
			pm.HostPort = hp
		}
		pms = append(pms, pm)
		return nil
	}
	for p, bs := range hc.PortBindings {
		if len(bs) == 0 {
			bs = []mobynet.PortBinding{{}}
		}
		for _, b := range bs {
			if err := add(p, b); err != nil {
				return nil, err
			}
		}
	}
	if hc.PublishAllPorts {
		for p := range cfg.ExposedPorts {
			if _, ok := hc.PortBindings[p]; !ok {
				if err := add(p, mobynet.PortBinding{}); err != nil {
					return nil, err
				}
			}
		}
	}
	slices.SortFunc(pms, func(a, b network.PortMapping) int { return int(a.ContainerPort) - int(b.ContainerPort) })
	return pms, nil
}

// mergeExposedPorts adds the image's EXPOSE ports to the container's.
func mergeExposedPorts(cfg *container.Config, exposed map[string]struct{}) {
	for s := range exposed {
		p, err := mobynet.ParsePort(s)
		if err != nil {
			continue
		}
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = mobynet.PortSet{}
		}
		cfg.ExposedPorts[p] = struct{}{}
	}
}

// attachNetworks gives a networked container its namespace and interfaces
// before it starts, and returns the namespace's path ("" for a container
// that is not networked). On failure nothing stays attached.
func (e *Engine) attachNetworks(ctx context.Context, c *Container) (string, error) {
	if !networked(c.HostConfig) {
		return "", nil
	}
	ns, err := e.Networks()
	if err != nil {
		return "", err
	}
	var a network.Attacher = ns
	netns, err := a.Attach(ctx, c.ID)
	if err != nil {
		a.Detach(context.WithoutCancel(ctx), c.ID)
		return "", err
	}
	return netns, nil
}

// detachNetworks undoes attachNetworks, after a failed start.
func (e *Engine) detachNetworks(ctx context.Context, c *Container) {
	if !networked(c.HostConfig) {
		return
	}
	if ns, err := e.Networks(); err == nil {
		ns.Detach(context.WithoutCancel(ctx), c.ID)
	}
}

// releaseNetworks detaches the container and forgets its endpoints, when
// it is removed.
func (e *Engine) releaseNetworks(ctx context.Context, c *Container) error {
	if !networked(c.HostConfig) {
		return nil
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	if err := ns.Release(context.WithoutCancel(ctx), c.ID); err != nil {
		return fmt.Errorf("releasing the networks of %s: %w", c.Name, err)
	}
	return nil
}

// endpoints are the container's endpoints; none for a container that is
// not networked.
func (e *Engine) endpoints(c *Container) []*network.Endpoint {
	if !networked(c.HostConfig) {
		return nil
	}
	ns, err := e.Networks()
	if err != nil {
		return nil
	}
	eps, _ := ns.Endpoints(c.ID)
	return eps
}

// networkSettings is inspect's NetworkSettings: an entry per network and
// the published ports (exposed ports without a binding show as null).
func (e *Engine) networkSettings(c *Container, eps []*network.Endpoint) *container.NetworkSettings {
	s := &container.NetworkSettings{Networks: map[string]*mobynet.EndpointSettings{}, Ports: mobynet.PortMap{}}
	switch nm := string(c.HostConfig.NetworkMode); {
	case nm == "none", nm == "host":
		s.Networks[nm] = &mobynet.EndpointSettings{}
	}
	for p := range c.Config.ExposedPorts {
		s.Ports[p] = nil
	}
	for _, ep := range eps {
		if ep.Attached && s.SandboxKey == "" {
			if ns, err := e.Networks(); err == nil {
				s.SandboxKey = ns.NetnsPath(c.ID)
			}
		}
		s.Networks[ep.NetworkName] = ep.Settings()
		for _, pm := range ep.Ports {
			p, ok := mobynet.PortFrom(pm.ContainerPort, mobynet.IPProtocol(pm.Protocol))
			if !ok || !ep.Attached || pm.HostPort == 0 {
				continue
			}
			ip := pm.HostIP
			if !ip.IsValid() {
				ip = netip.IPv4Unspecified()
			}
			s.Ports[p] = append(s.Ports[p], mobynet.PortBinding{HostIP: ip, HostPort: fmt.Sprint(pm.HostPort)})
		}
	}
	return s
}

// portSummaries is ps's view of the same ports.
func portSummaries(c *Container, eps []*network.Endpoint) []container.PortSummary {
	ps := []container.PortSummary{}
	seen := map[string]bool{}
	for _, ep := range eps {
		for _, pm := range ep.Ports {
			if !ep.Attached || pm.HostPort == 0 {
				continue
			}
			ip := pm.HostIP
			if !ip.IsValid() {
				ip = netip.IPv4Unspecified()
			}
			ps = append(ps, container.PortSummary{IP: ip, PrivatePort: pm.ContainerPort, PublicPort: pm.HostPort, Type: pm.Protocol})
			seen[fmt.Sprintf("%d/%s", pm.ContainerPort, pm.Protocol)] = true
		}
	}
	for p := range c.Config.ExposedPorts {
		if !seen[p.String()] {
			ps = append(ps, container.PortSummary{PrivatePort: p.Num(), Type: string(p.Proto())})
		}
	}
	slices.SortFunc(ps, func(a, b container.PortSummary) int { return int(a.PrivatePort) - int(b.PrivatePort) })
	return ps
}

// validateNetworkMode refuses a network mode that cannot be a network's
// name and options that need a network of the container's own.
func validateNetworkMode(hc *container.HostConfig) error {
	nm := string(hc.NetworkMode)
	if strings.HasPrefix(nm, "container:") {
		if strings.TrimPrefix(nm, "container:") == "" {
			return fmt.Errorf("invalid network mode %q: %w", nm, errdefs.ErrInvalidArgument)
		}
	}
	if !networked(hc) && (len(hc.PortBindings) > 0 || hc.PublishAllPorts) && nm != "host" {
		return fmt.Errorf("conflicting options: port publishing and the container type network mode: %w", errdefs.ErrInvalidArgument)
	}
	if nm == "host" {
		hc.PortBindings, hc.PublishAllPorts = nil, false // Docker discards them with a warning
	}
	return nil
}
