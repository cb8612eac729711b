package engine

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/network"
)

// listFilter is `docker ps --filter`: within one key any value may match,
// and every key must.
type listFilter struct {
	e              *Engine
	f              map[string][]string
	before, since  *Container
	names          []*regexp.Regexp
	ancestorImages map[string]bool
}

var psFilterKeys = map[string]bool{"id": true, "name": true, "label": true, "status": true, "exited": true,
	"ancestor": true, "before": true, "since": true, "volume": true, "network": true, "publish": true, "expose": true}

func newListFilter(e *Engine, f map[string][]string, cs []*Container) (*listFilter, error) {
	lf := &listFilter{e: e, f: f}
	for k, vs := range f {
		if !psFilterKeys[k] {
			return nil, fmt.Errorf("invalid filter '%s': %w", k, errdefs.ErrInvalidArgument)
		}
		for _, v := range vs {
			switch k {
			case "status":
				if err := container.ValidateContainerState(container.ContainerState(v)); err != nil {
					return nil, fmt.Errorf("invalid filter 'status=%s': %w", v, errdefs.ErrInvalidArgument)
				}
			case "exited":
				if _, err := strconv.Atoi(v); err != nil {
					return nil, fmt.Errorf("invalid filter 'exited=%s': %w", v, errdefs.ErrInvalidArgument)
				}
			case "name":
				re, err := regexp.Compile(v)
				if err != nil {
					return nil, fmt.Errorf("invalid filter 'name=%s': %w", v, errdefs.ErrInvalidArgument)
				}
				lf.names = append(lf.names, re)
			case "before", "since":
				c, err := e.Lookup(v)
				if err != nil {
					return nil, err
				}
				if k == "before" {
					lf.before = c
				} else {
					lf.since = c
				}
			case "ancestor":
				if lf.ancestorImages == nil {
					lf.ancestorImages = map[string]bool{}
				}
				lf.ancestorImages[v] = true
				if img, err := e.images.Get(context.Background(), v); err == nil && img.ID != "" {
					lf.ancestorImages[img.ID.String()] = true
				}
			}
		}
	}
	return lf, nil
}

func (lf *listFilter) match(c *Container, st *container.State) bool {
	any := func(key string, ok func(v string) bool) bool {
		vs, set := lf.f[key]
		if !set {
			return true
		}
		for _, v := range vs {
			if ok(v) {
				return true
			}
		}
		return false
	}
	return any("id", func(v string) bool { return strings.HasPrefix(c.ID, v) }) &&
		(len(lf.names) == 0 || matchAnyRegexp(lf.names, c.Name)) &&
		any("label", func(v string) bool { return matchLabel(c.Config.Labels, v) }) &&
		any("status", func(v string) bool { return string(st.Status) == v }) &&
		any("exited", func(v string) bool {
			n, _ := strconv.Atoi(v)
			return st.Status == container.StateExited && st.ExitCode == n
		}) &&
		any("ancestor", func(string) bool { return lf.ancestorImages[c.Config.Image] || lf.ancestorImages[c.Image] }) &&
		any("volume", func(v string) bool { return usesVolume(c, v) }) &&
		lf.matchNetworks(c) &&
		(lf.before == nil || c.Created.Before(lf.before.Created)) &&
		(lf.since == nil || c.Created.After(lf.since.Created))
}

func matchAnyRegexp(res []*regexp.Regexp, s string) bool {
	for _, re := range res {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// matchLabel matches "key" (present) or "key=value".
func matchLabel(labels map[string]string, f string) bool {
	k, v, hasValue := strings.Cut(f, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

func usesVolume(c *Container, v string) bool {
	for _, m := range c.Mounts {
		if m.Name == v || m.Source == v || m.Destination == v {
			return true
		}
	}
	return false
}

// matchNetworks applies the network, publish and expose filters, which
// need the container's endpoints: read only when one of them is given.
func (lf *listFilter) matchNetworks(c *Container) bool {
	nets, pub, exp := lf.f["network"], lf.f["publish"], lf.f["expose"]
	if len(nets) == 0 && len(pub) == 0 && len(exp) == 0 {
		return true
	}
	eps := lf.e.endpoints(c)
	if len(nets) > 0 && !slices.ContainsFunc(nets, func(v string) bool {
		return slices.ContainsFunc(eps, func(ep *network.Endpoint) bool {
			return ep.NetworkName == v || strings.HasPrefix(ep.NetworkID, v)
		}) || string(c.HostConfig.NetworkMode) == v
	}) {
		return false
	}
	portIs := func(v string, port uint16, proto string) bool {
		num, p, _ := strings.Cut(v, "/")
		return num == strconv.Itoa(int(port)) && (p == "" || p == proto)
	}
	if len(pub) > 0 && !slices.ContainsFunc(pub, func(v string) bool {
		for _, ep := range eps {
			for _, pm := range ep.Ports {
				if ep.Attached && pm.HostPort != 0 && portIs(v, pm.HostPort, pm.Protocol) {
					return true
				}
			}
		}
		return false
	}) {
		return false
	}
	return len(exp) == 0 || slices.ContainsFunc(exp, func(v string) bool {
		for p := range c.Config.ExposedPorts {
			if portIs(v, p.Num(), string(p.Proto())) {
				return true
			}
		}
		return false
	})
}
