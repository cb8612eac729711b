package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/seccomp"
)

// security applies --privileged, --cap-add/--cap-drop and --security-opt:
// capabilities, no_new_privs, seccomp, AppArmor and the masked paths.
func (g *generator) security() error {
	o := g.opts
	sec, err := ParseSecurityOpts(o.SecurityOpt)
	if err != nil {
		return err
	}
	g.sec = sec
	if g.caps, err = containerCaps(o.Privileged, o.CapAdd, o.CapDrop); err != nil {
		return err
	}
	p := g.spec.Process
	// A process that is not root gets its capabilities only through
	// execve's rules (file capabilities), as Docker does since
	// CVE-2022-24769: only the bounding set limits it.
	p.Capabilities = &specs.LinuxCapabilities{Bounding: g.caps}
	if p.User.UID == 0 {
		p.Capabilities.Effective, p.Capabilities.Permitted = g.caps, g.caps
	}
	p.NoNewPrivileges = sec.NoNewPrivileges
	if o.Privileged || sec.UnmaskedPaths {
		g.spec.Linux.MaskedPaths, g.spec.Linux.ReadonlyPaths = nil, nil
	}
	if o.Privileged {
		return nil // no seccomp, no AppArmor
	}
	p.ApparmorProfile = sec.AppArmorProfile
	switch {
	case sec.SeccompUnconfined:
	case sec.SeccompProfile != nil:
		if g.spec.Linux.Seccomp, err = ResolveSeccompProfile(sec.SeccompProfile, g.caps); err != nil {
			return err
		}
	default:
		g.spec.Linux.Seccomp = seccomp.DefaultProfileFor(g.caps)
	}
	return nil
}
