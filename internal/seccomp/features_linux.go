package seccomp

import (
	"github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// Features describes hull's seccomp support for the runtime's features
// command (runtime-spec features-linux.md, "seccomp"): every action,
// operator and flag it recognizes, the architectures the linked libseccomp
// can build filters for, and the flags the running kernel accepts.
func Features() *features.Seccomp {
	enabled := true
	archs := []string{}
	for _, a := range sortedKeys(arches) {
		if archSupported()[specs.Arch(a)] {
			archs = append(archs, a)
		}
	}
	known := sortedKeys(flags)
	supported := []string{}
	for _, name := range known {
		if flagSupported()[flags[specs.LinuxSeccompFlag(name)]] {
			supported = append(supported, name)
		}
	}
	return &features.Seccomp{
		Enabled:        &enabled,
		Actions:        sortedKeys(actions),
		Operators:      sortedKeys(operators),
		Archs:          archs,
		KnownFlags:     known,
		SupportedFlags: supported,
	}
}
