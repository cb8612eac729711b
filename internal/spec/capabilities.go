package spec

import (
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/capabilities"
)

// knownCapabilities returns every capability both this build and the
// running kernel know: the names --cap-add and --cap-drop accept.
func knownCapabilities() []string {
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

// allCapabilities is what "ALL" and --privileged give: every known
// capability that hull itself may pass on, i.e. that is in its own
// bounding set. Docker takes every capability of the kernel, which fails
// to start on a host that withholds one from the engine (such as
// CAP_SYS_RESOURCE on hull's test machines); a capability asked for by name
// still fails there, with the runtime's clear error.
func allCapabilities() []string {
	var out []string
	for _, name := range knownCapabilities() {
		c, _ := capabilities.Parse(name)
		if held, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0); err != nil || held == 1 {
			out = append(out, name)
		}
	}
	return out
}

// normalizeCaps spells each of names as config.json does ("CAP_NET_ADMIN"
// for "net_admin"), keeping "ALL" as it is, and refuses a name the host
// does not know, in Docker's words.
func normalizeCaps(names []string, known []string) ([]string, error) {
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
		if !slices.Contains(known, n) {
			return nil, invalid("unknown capability: %q", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// containerCaps computes a container's capability set the way Docker does:
// privileged gets all (see allCapabilities); "--cap-add ALL" gets all but
// the dropped ones;
// "--cap-drop ALL" gets only the added ones; otherwise Docker's default set
// (capabilities.Default) minus the dropped plus the added.
func containerCaps(privileged bool, add, drop []string) ([]string, error) {
	if privileged {
		return allCapabilities(), nil
	}
	base := capabilities.Default()
	if len(add) == 0 && len(drop) == 0 {
		return base, nil
	}
	known := knownCapabilities()
	add, err := normalizeCaps(add, known)
	if err != nil {
		return nil, err
	}
	drop, err = normalizeCaps(drop, known)
	if err != nil {
		return nil, err
	}
	var caps []string
	switch {
	case slices.Contains(add, "ALL"):
		base, add = allCapabilities(), nil
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
