package spec

import (
	"encoding/json"
	"runtime"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// seccompProfile is Docker's seccomp profile format (moby's
// profiles/seccomp): config.json's linux.seccomp plus rules that apply
// only to some architectures, capabilities or kernels, and an archMap
// naming each native architecture's companions.
type seccompProfile struct {
	DefaultAction    specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet  *uint                    `json:"defaultErrnoRet,omitempty"`
	Architectures    []specs.Arch             `json:"architectures,omitempty"`
	ArchMap          []seccompArchMap         `json:"archMap,omitempty"`
	ListenerPath     string                   `json:"listenerPath,omitempty"`
	ListenerMetadata string                   `json:"listenerMetadata,omitempty"`
	Flags            []specs.LinuxSeccompFlag `json:"flags,omitempty"`
	Syscalls         []seccompRule            `json:"syscalls"`
}

type seccompArchMap struct {
	Arch      specs.Arch   `json:"architecture"`
	SubArches []specs.Arch `json:"subArchitectures"`
}

// seccompRule is one entry of "syscalls": config.json's fields, "name" as
// the old spelling of a single "names", and the conditions.
type seccompRule struct {
	specs.LinuxSyscall
	Name     string         `json:"name,omitempty"`
	Comment  string         `json:"comment,omitempty"`
	Includes *seccompFilter `json:"includes,omitempty"`
	Excludes *seccompFilter `json:"excludes,omitempty"`
}

// seccompFilter is a rule's condition: architectures by Go's names
// ("amd64"), capabilities by config.json's ("CAP_SYS_ADMIN"), and a kernel
// version "major.minor".
type seccompFilter struct {
	Caps      []string `json:"caps,omitempty"`
	Arches    []string `json:"arches,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// nativeSeccompArch is libseccomp's name for each architecture Go builds
// for, which archMap entries are matched against.
var nativeSeccompArch = map[string]specs.Arch{
	"386": specs.ArchX86, "amd64": specs.ArchX86_64, "arm": specs.ArchARM, "arm64": specs.ArchAARCH64,
	"mips64": specs.ArchMIPS64, "mips64le": specs.ArchMIPSEL64, "ppc64": specs.ArchPPC64,
	"ppc64le": specs.ArchPPC64LE, "riscv64": specs.ArchRISCV64, "s390x": specs.ArchS390X,
	"loong64": specs.ArchLOONGARCH64,
}

// decodeSeccompProfile reads a profile and refuses what Docker refuses.
func decodeSeccompProfile(data []byte) (*seccompProfile, error) {
	var p seccompProfile
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, invalid("decoding seccomp profile failed: %v", err)
	}
	if len(p.Architectures) > 0 && len(p.ArchMap) > 0 {
		return nil, invalid("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'")
	}
	for _, r := range p.Syscalls {
		if r.Name != "" && len(r.Names) > 0 {
			return nil, invalid("'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'")
		}
		for _, f := range []*seccompFilter{r.Includes, r.Excludes} {
			if f == nil || f.MinKernel == "" {
				continue
			}
			if _, err := parseKernelVersion(f.MinKernel); err != nil {
				return nil, err
			}
		}
	}
	return &p, nil
}

// ResolveSeccompProfile turns Docker's JSON seccomp profile into
// config.json's linux.seccomp for a container whose bounding set is caps,
// on this machine: a rule applies only if every capability of its
// includes.caps is in caps and none of its excludes.caps, if this
// architecture is in includes.arches and not in excludes.arches, and if the
// running kernel is at least includes.minKernel and older than
// excludes.minKernel. The architectures are "architectures", or the
// archMap entry of the native architecture with its sub-architectures.
func ResolveSeccompProfile(data []byte, caps []string) (*specs.LinuxSeccomp, error) {
	p, err := decodeSeccompProfile(data)
	if err != nil {
		return nil, err
	}
	return p.resolve(caps, runtime.GOARCH, hostKernel()), nil
}

func (p *seccompProfile) resolve(caps []string, goarch string, kernel [2]int) *specs.LinuxSeccomp {
	s := &specs.LinuxSeccomp{
		DefaultAction:    p.DefaultAction,
		DefaultErrnoRet:  p.DefaultErrnoRet,
		Architectures:    slices.Clone(p.Architectures),
		ListenerPath:     p.ListenerPath,
		ListenerMetadata: p.ListenerMetadata,
		Flags:            p.Flags,
	}
	for _, a := range p.ArchMap {
		if a.Arch == nativeSeccompArch[goarch] {
			s.Architectures = append(s.Architectures, a.Arch)
			s.Architectures = append(s.Architectures, a.SubArches...)
		}
	}
	for _, r := range p.Syscalls {
		if !r.Includes.matches(caps, goarch, kernel, true) || r.Excludes.matches(caps, goarch, kernel, false) {
			continue
		}
		call := r.LinuxSyscall
		if r.Name != "" {
			call.Names = []string{r.Name}
		}
		s.Syscalls = append(s.Syscalls, call)
	}
	return s
}

// matches reports whether a condition holds. For includes (all true) every
// field that is set must hold; for excludes any one that holds is enough.
// A missing condition is true for includes and false for excludes.
func (f *seccompFilter) matches(caps []string, goarch string, kernel [2]int, all bool) bool {
	if f == nil {
		return all
	}
	var results []bool
	if len(f.Arches) > 0 {
		results = append(results, slices.Contains(f.Arches, goarch))
	}
	if len(f.Caps) > 0 {
		if all {
			results = append(results, containsAll(caps, f.Caps))
		} else {
			results = append(results, containsAny(caps, f.Caps))
		}
	}
	if f.MinKernel != "" {
		min, _ := parseKernelVersion(f.MinKernel) // checked by decodeSeccompProfile
		results = append(results, kernelAtLeast(kernel, min))
	}
	if all {
		return !slices.Contains(results, false)
	}
	return slices.Contains(results, true)
}

func containsAll(set, want []string) bool {
	for _, w := range want {
		if !slices.Contains(set, w) {
			return false
		}
	}
	return true
}

func containsAny(set, want []string) bool {
	for _, w := range want {
		if slices.Contains(set, w) {
			return true
		}
	}
	return false
}

// parseKernelVersion reads "major.minor" (a third part is ignored).
func parseKernelVersion(v string) ([2]int, error) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		major, err1 := strconv.Atoi(parts[0])
		minor, err2 := strconv.Atoi(parts[1])
		if err1 == nil && err2 == nil && major >= 0 && minor >= 0 {
			return [2]int{major, minor}, nil
		}
	}
	return [2]int{}, invalid("invalid kernel version %q in the seccomp profile, expected <major>.<minor>", v)
}

func kernelAtLeast(k, min [2]int) bool {
	return k[0] > min[0] || k[0] == min[0] && k[1] >= min[1]
}
