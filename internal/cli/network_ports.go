package cli

import (
	"fmt"
	"io"
	"maps"
	"net"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// portsColumn is ps's PORTS: "0.0.0.0:8080->80/tcp, 443/tcp", published
// ports first as Docker prints them.
func portsColumn(ps []container.PortSummary) string {
	var out []string
	for _, p := range ps {
		if p.PublicPort != 0 {
			out = append(out, fmt.Sprintf("%s:%d->%d/%s", p.IP, p.PublicPort, p.PrivatePort, p.Type))
		}
	}
	for _, p := range ps {
		if p.PublicPort == 0 {
			out = append(out, fmt.Sprintf("%d/%s", p.PrivatePort, p.Type))
		}
	}
	return strings.Join(out, ", ")
}

// printPorts prints `hull port`'s lines for all published ports, or for
// the one port asked.
func printPorts(w io.Writer, pm network.PortMap, ref string, only []string) error {
	if len(only) == 1 {
		want := only[0]
		if !strings.Contains(want, "/") {
			want += "/tcp"
		}
		p, err := network.ParsePort(want)
		if err != nil {
			return fmt.Errorf("invalid port %q: %v", only[0], err)
		}
		if len(pm[p]) == 0 {
			return fmt.Errorf("no public port '%s' published for %s", want, ref)
		}
		for _, b := range pm[p] {
			fmt.Fprintln(w, net.JoinHostPort(b.HostIP.String(), b.HostPort))
		}
		return nil
	}
	keys := slices.SortedFunc(maps.Keys(pm), func(a, b network.Port) int { return int(a.Num()) - int(b.Num()) })
	for _, p := range keys {
		for _, b := range pm[p] {
			fmt.Fprintf(w, "%s -> %s\n", p, net.JoinHostPort(b.HostIP.String(), b.HostPort))
		}
	}
	return nil
}
