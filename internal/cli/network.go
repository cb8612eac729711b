package cli

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	mobynet "github.com/moby/moby/api/types/network"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/events"
	"github.com/hullrt/hull/internal/network"
)

// networkRow is one line of `hull network ls`, with Docker's field names.
type networkRow struct {
	ID, Name, Driver, Scope, IPv4, IPv6, Internal, Labels, CreatedAt string
}

var networkHeaders = map[string]string{
	"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE", "IPv4": "IPV4",
	"IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
}

// networks opens the engine's network store, with its default network
// made if this is the store's first use: Docker always lists "bridge".
func (e *env) networks() (*network.Store, error) {
	eng, err := e.engine()
	if err != nil {
		return nil, err
	}
	ns, err := eng.Networks()
	if err != nil {
		return nil, err
	}
	if _, err := ns.Default(); err != nil {
		return nil, err
	}
	return ns, nil
}

// runNetworkCreate is `hull network create [OPTIONS] NETWORK`: it prints
// the new network's id.
func runNetworkCreate(ctx context.Context, e *env, args []string) error {
	var driver, subnet, gateway, ipRange, ipamDriver string
	var internal, attachable, ipv6 bool
	var labels, opts []string
	fs := e.newFlags("network create")
	fs.String(&driver, "d", "driver", `Driver to manage the Network (default "bridge")`)
	fs.String(&subnet, "", "subnet", "Subnet in CIDR format that represents a network segment")
	fs.String(&gateway, "", "gateway", "IPv4 Gateway for the master subnet")
	fs.String(&ipRange, "", "ip-range", "Allocate container ip from a sub-range")
	fs.String(&ipamDriver, "", "ipam-driver", `IP Address Management Driver (default "default")`)
	fs.Bool(&internal, "", "internal", "Restrict external access to the network")
	fs.Bool(&attachable, "", "attachable", "Enable manual container attachment (always on)")
	fs.Bool(&ipv6, "", "ipv6", "Enable or disable IPv6 networking (not supported)")
	fs.Strings(&labels, "", "label", "Set metadata on a network")
	fs.Strings(&opts, "o", "opt", "Set driver specific options")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("network create", 1, pos); err != nil {
		return err
	}
	if ipv6 {
		return fmt.Errorf("IPv6 networks are not supported by hull")
	}
	if ipamDriver != "" && ipamDriver != "default" {
		return fmt.Errorf("IPAM driver %q not found: hull only has the default one", ipamDriver)
	}
	o := network.CreateOptions{Name: pos[0], Driver: driver, Internal: internal}
	if err := parseAddresses(&o, subnet, gateway, ipRange); err != nil {
		return err
	}
	if o.Labels, err = optionMap(labels, "label"); err != nil {
		return err
	}
	if o.Options, err = optionMap(opts, "opt"); err != nil {
		return err
	}
	ns, err := e.networks()
	if err != nil {
		return err
	}
	n, err := ns.Create(o)
	if err != nil {
		return docker(err)
	}
	e.networkEvent(n, "create", "")
	fmt.Fprintln(e.stdout, n.ID)
	return nil
}

// parseAddresses reads --subnet, --gateway and --ip-range.
func parseAddresses(o *network.CreateOptions, subnet, gateway, ipRange string) error {
	var err error
	if subnet != "" {
		if o.Subnet, err = netip.ParsePrefix(subnet); err != nil {
			return fmt.Errorf("invalid argument %q for \"--subnet\" flag: invalid CIDR address: %s", subnet, subnet)
		}
	}
	if gateway != "" {
		if o.Gateway, err = netip.ParseAddr(gateway); err != nil {
			return fmt.Errorf("invalid argument %q for \"--gateway\" flag: invalid IP address", gateway)
		}
	}
	if ipRange != "" {
		if o.IPRange, err = netip.ParsePrefix(ipRange); err != nil {
			return fmt.Errorf("invalid argument %q for \"--ip-range\" flag: invalid CIDR address: %s", ipRange, ipRange)
		}
	}
	return nil
}

// runNetworkLs is `hull network ls`.
func runNetworkLs(ctx context.Context, e *env, args []string) error {
	var quiet, noTrunc bool
	var format string
	var filters []string
	fs := e.newFlags("network ls")
	fs.Bool(&quiet, "q", "quiet", "Only display network IDs")
	fs.Bool(&noTrunc, "", "no-trunc", "Do not truncate the output")
	fs.String(&format, "", "format", "Format output using a Go template")
	fs.Strings(&filters, "f", "filter", `Provide filter values (e.g. "driver=bridge")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"network ls" accepts no arguments`)
	}
	f, err := filterMap(filters)
	if err != nil {
		return err
	}
	ns, err := e.networks()
	if err != nil {
		return err
	}
	list, err := ns.List()
	if err != nil {
		return docker(err)
	}
	switch {
	case quiet:
		format = "{{.ID}}"
	case format == "json":
		format = "{{json .}}"
	case format == "":
		format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
	}
	t, err := newTable(e.stdout, format, networkHeaders)
	if err != nil {
		return err
	}
	for _, n := range list {
		ok, err := matchNetwork(n, f)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if err := t.row(newNetworkRow(n, !noTrunc)); err != nil {
			return err
		}
	}
	return t.flush()
}

func newNetworkRow(n *network.Network, trunc bool) networkRow {
	id := n.ID
	if trunc {
		id = id[:12]
	}
	var labels []string
	for k, v := range n.Labels {
		labels = append(labels, k+"="+v)
	}
	slices.Sort(labels)
	return networkRow{ID: id, Name: n.Name, Driver: n.Driver, Scope: "local", IPv4: "true", IPv6: "false",
		Internal: fmt.Sprint(n.Internal), Labels: strings.Join(labels, ","),
		CreatedAt: n.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST")}
}

// matchNetwork applies network ls's and prune's filters: name, id, driver,
// label, label!, type (builtin, custom), until.
func matchNetwork(n *network.Network, f map[string][]string) (bool, error) {
	any := func(key string, match func(string) bool) bool {
		vs := f[key]
		return len(vs) == 0 || slices.ContainsFunc(vs, match)
	}
	for key := range f {
		switch key {
		case "name", "id", "driver", "label", "label!", "type", "until", "scope":
		default:
			return false, fmt.Errorf("invalid filter '%s'", key)
		}
	}
	for _, l := range f["label!"] {
		if labelMatches(n.Labels, l) {
			return false, nil
		}
	}
	for _, u := range f["until"] {
		t, err := events.ParseTime(u, time.Now())
		if err != nil {
			return false, err
		}
		if !n.Created.Before(t) {
			return false, nil
		}
	}
	kind := "custom"
	if n.Default() {
		kind = "builtin"
	}
	ok := any("name", func(v string) bool { return strings.Contains(n.Name, v) }) &&
		any("id", func(v string) bool { return strings.HasPrefix(n.ID, v) }) &&
		any("driver", func(v string) bool { return v == n.Driver }) &&
		any("scope", func(v string) bool { return v == "local" }) &&
		any("type", func(v string) bool { return v == kind })
	for _, l := range f["label"] {
		ok = ok && labelMatches(n.Labels, l)
	}
	return ok, nil
}

func labelMatches(labels map[string]string, f string) bool {
	k, v, hasValue := strings.Cut(f, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

// runNetworkInspect is `hull network inspect`: Docker's JSON array of
// network.Inspect, or --format applied to each.
func runNetworkInspect(ctx context.Context, e *env, args []string) error {
	var format string
	fs := e.newFlags("network inspect")
	fs.String(&format, "f", "format", "Format output using a Go template")
	var verbose bool
	fs.Bool(&verbose, "v", "verbose", "Verbose output for diagnostics")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return inspectObjects(ctx, e, "network inspect", inspectOptions{kind: "network", format: format}, pos)
}

// runNetworkRm is `hull network rm`: a network with containers is refused,
// naming them.
func runNetworkRm(ctx context.Context, e *env, args []string) error {
	var force bool
	fs := e.newFlags("network rm")
	fs.Bool(&force, "f", "force", "Do not error if the network does not exist")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("network rm", 1, pos); err != nil {
		return err
	}
	ns, err := e.networks()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(ref string) error {
		n, err := ns.Get(ref)
		if err == nil {
			if err = ns.Remove(n.ID); err == nil {
				e.networkEvent(n, "destroy", "")
			}
		}
		if force && errdefs.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// runNetworkPrune is `hull network prune`: every user network without
// containers.
func runNetworkPrune(ctx context.Context, e *env, args []string) error {
	var force bool
	var filters []string
	fs := e.newFlags("network prune")
	fs.Bool(&force, "f", "force", "Do not prompt for confirmation")
	fs.Strings(&filters, "", "filter", `Provide filter values (e.g. "until=<timestamp>")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"network prune" accepts no arguments`)
	}
	f, err := filterMap(filters)
	if err != nil {
		return err
	}
	if _, err := matchNetwork(&network.Network{}, f); err != nil {
		return err
	}
	if !force && !e.ask("WARNING! This will remove all custom networks not used by at least one container.") {
		return fmt.Errorf("network prune cancelled (no terminal to confirm on; use -f)")
	}
	ns, err := e.networks()
	if err != nil {
		return err
	}
	gone, err := ns.Prune(func(n *network.Network) bool { ok, _ := matchNetwork(n, f); return ok })
	if err != nil {
		return docker(err)
	}
	listDeleted(e.stdout, "Networks", gone)
	return nil
}

// runNetworkConnect is `hull network connect [OPTIONS] NETWORK CONTAINER`.
func runNetworkConnect(ctx context.Context, e *env, args []string) error {
	var ip string
	var aliases []string
	fs := e.newFlags("network connect")
	fs.String(&ip, "", "ip", "IPv4 address (e.g., 172.30.100.104)")
	fs.Strings(&aliases, "", "alias", "Add network-scoped alias for the container")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("network connect", 2, pos); err != nil {
		return err
	}
	es := &mobynet.EndpointSettings{Aliases: aliases}
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.Is4() {
			return fmt.Errorf("invalid argument %q for \"--ip\" flag: invalid IPv4 address", ip)
		}
		es.IPAMConfig = &mobynet.EndpointIPAMConfig{IPv4Address: a}
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	if err := eng.NetworkConnect(ctx, pos[0], pos[1], es); err != nil {
		return docker(err)
	}
	return nil
}

// runNetworkDisconnect is `hull network disconnect [OPTIONS] NETWORK CONTAINER`.
func runNetworkDisconnect(ctx context.Context, e *env, args []string) error {
	var force bool
	fs := e.newFlags("network disconnect")
	fs.Bool(&force, "f", "force", "Force the container to disconnect from a network")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("network disconnect", 2, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	if err := eng.NetworkDisconnect(ctx, pos[0], pos[1], force); err != nil {
		return docker(err)
	}
	return nil
}

// networkEvent journals a network event as Docker's daemon does.
func (e *env) networkEvent(n *network.Network, action, container string) {
	eng, err := e.engine()
	if err != nil {
		return
	}
	attrs := map[string]string{"name": n.Name, "type": n.Driver}
	if container != "" {
		attrs["container"] = container
	}
	eng.Events().Append(events.Event{Type: "network", Action: action, Actor: events.Actor{ID: n.ID, Attributes: attrs}})
}

// runNetworkRelease is `hull network release CONTAINER`, which a
// container's monitor runs when the container has stopped for good: it
// gives back the container's addresses and host ports.
func runNetworkRelease(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("network release").parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("network release", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	if err := eng.ReleaseNetworks(ctx, pos[0]); err != nil && !errdefs.IsNotFound(err) {
		return docker(err)
	}
	return nil
}
