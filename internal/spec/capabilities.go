package spec

import (
	"slices"
	"strings"

	"github.com/hullrt/hull/internal/capabilities"
)

// allCapabilities returns every capability both this build and the running
// kernel know: what "ALL" and --privileged mean, as in Docker.
func allCapabilities() []string {
	known := capabilities.Known()
	last, err := capabilities.LastCap()
	if err != nil {
		return known
	}
	var out []string
	for _, name := range known {
		if c, err := capabilities.Parse(name); err == nil && c <= last {
			out = append(out, name)
		}
	}
	return out
}

// normalizeCaps spells each of names as config.json does ("CAP_NET_ADMIN"
// for "net_admin"), keeping "ALL" as it is, and refuses a name the host
// does not know, in Docker's words.
func normalizeCaps(names []string, all []string) ([]string, error) {
	var out []string
	for _, n := range names {
		n = strings.ToUpper(n)
		if n == "ALL" {
			out = append(out, n)
			continue
		}
		if !strings.HasPrefix(n, "CAP_") {
			n = "CAP_" + n
		}
		if !slices.Contains(all, n) {
			return nil, invalid("unknown capability: %q", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// containerCaps computes a container's capability set the way Docker does:
// privileged gets all; "--cap-add ALL" gets all but the dropped ones;
// "--cap-drop ALL" gets only the added ones; otherwise Docker's default set
// (capabilities.Default) minus the dropped plus the added.
func containerCaps(privileged bool, add, drop []string) ([]string, error) {
	all := allCapabilities()
	if privileged {
		return all, nil
	}
	base := capabilities.Default()
	if len(add) == 0 && len(drop) == 0 {
		return base, nil
	}
	add, err := normalizeCaps(add, all)
	if err != nil {
		return nil, err
	}
	drop, err = normalizeCaps(drop, all)
	if err != nil {
		return nil, err
	}
	var caps []string
	switch {
	case slices.Contains(add, "ALL"):
		base, add = all, nil
	case slices.Contains(drop, "ALL"):
		base = nil
	}
	for _, c := range base {
		if !slices.Contains(drop, c) {
			caps = append(caps, c)
		}
	}
	for _, c := range add {
		if !slices.Contains(caps, c) {
			caps = append(caps, c)
		}
	}
	return caps, nil
}
