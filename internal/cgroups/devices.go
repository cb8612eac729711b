package cgroups

import (
	"fmt"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// Device rules follow the runtime spec: an ordered list where later rules
// override earlier ones, starting from what the cgroup inherits (allow all,
// on a typical host). A container config usually begins with a deny-all
// rule ({"allow": false, "access": "rwm"}) and then allows its devices.
//
// cgroup v1 keeps the rules in the kernel's devices.allow/devices.deny lists
// (devices_v1.go); cgroup v2 has no devices files and needs an eBPF program
// attached to the cgroup (devices_bpf.go).

// access is a set of device access bits, with the kernel's BPF_DEVCG_ACC_*
// values: m=1, r=2, w=4.
type access uint8

const (
	accMknod access = 1 << iota
	accRead
	accWrite
	accAll = accMknod | accRead | accWrite
)

func (a access) String() string {
	var b strings.Builder
	for _, x := range []struct {
		bit access
		c   byte
	}{{accRead, 'r'}, {accWrite, 'w'}, {accMknod, 'm'}} {
		if a&x.bit != 0 {
			b.WriteByte(x.c)
		}
	}
	return b.String()
}

// wildcard marks a major or minor number that matches every device.
const wildcard = -1

// deviceRule is a validated OCI device rule.
type deviceRule struct {
	allow        bool
	typ          byte // 'a' (any), 'b' or 'c'
	major, minor int64
	access       access
}

// matchesAll reports whether the rule covers every device and access, the
// kernel's "a" rule: it resets the list instead of adding to it.
func (r deviceRule) matchesAll() bool {
	return r.typ == 'a' && r.major == wildcard && r.minor == wildcard && r.access == accAll
}

// normalizeDeviceRules validates the OCI rules: type a, b or c (empty = a),
// access of r, w, m (empty = all), major and minor absent or -1 (Docker's
// spelling of "*") for any.
func normalizeDeviceRules(rules []specs.LinuxDeviceCgroup) ([]deviceRule, error) {
	out := make([]deviceRule, 0, len(rules))
	for i, r := range rules {
		d := deviceRule{allow: r.Allow, typ: 'a', major: wildcard, minor: wildcard}
		switch r.Type {
		case "", "a":
		case "b", "c":
			d.typ = r.Type[0]
		default:
			return nil, fmt.Errorf("device rule %d: type %q is not a, b or c: %w", i, r.Type, errdefs.ErrInvalidArgument)
		}
		for _, n := range []struct {
			src *int64
			dst *int64
		}{{r.Major, &d.major}, {r.Minor, &d.minor}} {
			switch {
			case n.src == nil || *n.src == wildcard:
			case *n.src < 0 || *n.src > 1<<31-1:
				return nil, fmt.Errorf("device rule %d: device number %d out of range: %w", i, *n.src, errdefs.ErrInvalidArgument)
			default:
				*n.dst = *n.src
			}
		}
		for _, c := range r.Access {
			switch c {
			case 'r':
				d.access |= accRead
			case 'w':
				d.access |= accWrite
			case 'm':
				d.access |= accMknod
			default:
				return nil, fmt.Errorf("device rule %d: access %q is not made of r, w, m: %w", i, r.Access, errdefs.ErrInvalidArgument)
			}
		}
		if r.Access == "" {
			d.access = accAll
		}
		out = append(out, d)
	}
	return out, nil
}

// setDevices applies the rules: with the v1 devices hierarchy where the
// host mounts it, else with an eBPF program on the v2 cgroup. made holds the
// directories Create has just made.
func (m *manager) setDevices(rules []specs.LinuxDeviceCgroup, made map[string]bool) error {
	if len(rules) == 0 {
		return nil
	}
	norm, err := normalizeDeviceRules(rules)
	if err != nil {
		return err
	}
	if d, ok := m.v1["devices"]; ok {
		return setDevicesV1(d.path, norm, made[d.path])
	}
	if m.v2 != nil {
		return setDevicesBPF(m.v2.path, norm)
	}
	return fmt.Errorf("device rules: no devices cgroup on this host: %w", errdefs.ErrUnavailable)
}

// formatDeviceNumber spells a major or minor number as the kernel does.
func formatDeviceNumber(n int64) string {
	if n == wildcard {
		return "*"
	}
	return strconv.FormatInt(n, 10)
}
