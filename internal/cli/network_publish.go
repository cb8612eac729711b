package cli

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// addPublishFlags registers run's and create's port and network endpoint
// flags.
func addPublishFlags(fs *flagSet, o *runOptions) {
	fs.Strings(&o.publish, "p", "publish", "Publish a container's port(s) to the host")
	fs.Bool(&o.publishAll, "P", "publish-all", "Publish all exposed ports to random ports")
	fs.Strings(&o.expose, "", "expose", "Expose a port or a range of ports")
	fs.String(&o.ip, "", "ip", "IPv4 address (e.g., 172.30.100.104)")
	fs.Strings(&o.networkAliases, "", "network-alias", "Add network-scoped alias for the container")
	fs.Strings(&o.networkAliases, "", "net-alias", "Add network-scoped alias for the container (same as --network-alias)")
}

// setPorts reads -p, -P and --expose into the configs, as Docker's CLI:
// a published port is exposed too.
func setPorts(o *runOptions, cfg *container.Config, hc *container.HostConfig) error {
	hc.PublishAllPorts = o.publishAll
	expose := func(p network.Port) {
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = network.PortSet{}
		}
		cfg.ExposedPorts[p] = struct{}{}
	}
	for _, e := range o.expose {
		p, err := network.ParsePort(e)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"--expose\" flag: %v", e, err)
		}
		expose(p)
	}
	for _, spec := range o.publish {
		p, b, err := parsePublish(spec)
		if err != nil {
			return fmt.Errorf("invalid argument %q for \"-p, --publish\" flag: %v", spec, err)
		}
		expose(p)
		if hc.PortBindings == nil {
			hc.PortBindings = network.PortMap{}
		}
		hc.PortBindings[p] = append(hc.PortBindings[p], b)
	}
	return nil
}

// parsePublish reads one -p: containerPort[/proto],
// hostPort:containerPort[/proto] or ip:[hostPort]:containerPort[/proto].
// Port ranges are not supported.
func parsePublish(s string) (network.Port, network.PortBinding, error) {
	var b network.PortBinding
	rest, proto, _ := strings.Cut(s, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" {
		return network.Port{}, b, fmt.Errorf("invalid proto: %s", proto)
	}
	parts := strings.Split(rest, ":")
	if i := strings.LastIndex(rest, "]:"); strings.HasPrefix(rest, "[") && i > 0 {
		parts = append([]string{rest[1:i]}, strings.Split(rest[i+2:], ":")...)
	}
	var ip, hostPort, cport string
	switch len(parts) {
	case 1:
		cport = parts[0]
	case 2:
		hostPort, cport = parts[0], parts[1]
	case 3:
		ip, hostPort, cport = parts[0], parts[1], parts[2]
	default:
		return network.Port{}, b, fmt.Errorf("invalid port format")
	}
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return network.Port{}, b, fmt.Errorf("invalid IP address: %s", ip)
		}
		b.HostIP = a
	}
	if strings.Contains(hostPort, "-") || strings.Contains(cport, "-") {
		return network.Port{}, b, fmt.Errorf("port ranges are not supported")
	}
	if hostPort != "" {
		if n, err := strconv.ParseUint(hostPort, 10, 16); err != nil || n == 0 {
			return network.Port{}, b, fmt.Errorf("invalid hostPort: %s", hostPort)
		}
		b.HostPort = hostPort
	}
	n, err := strconv.ParseUint(cport, 10, 16)
	if err != nil || n == 0 {
		return network.Port{}, b, fmt.Errorf("invalid containerPort: %s", cport)
	}
	p, ok := network.PortFrom(uint16(n), network.IPProtocol(proto))
	if !ok {
		return network.Port{}, b, fmt.Errorf("invalid port %s", s)
	}
	return p, b, nil
}

// networkingConfig carries --ip and --network-alias to the network the
// container joins; Docker refuses them on the default bridge.
func networkingConfig(o *runOptions, hc *container.HostConfig) (*network.NetworkingConfig, error) {
	if o.ip == "" && len(o.networkAliases) == 0 {
		return nil, nil
	}
	es := &network.EndpointSettings{Aliases: o.networkAliases}
	if o.ip != "" {
		a, err := netip.ParseAddr(o.ip)
		if err != nil || !a.Is4() {
			return nil, fmt.Errorf("invalid argument %q for \"--ip\" flag: invalid IPv4 address", o.ip)
		}
		es.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: a}
	}
	return &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{string(hc.NetworkMode): es}}, nil
}
