package runtime

import (
	"os"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/rootfs"
	"github.com/hullrt/hull/internal/seccomp"
)

// Features describes what this runtime implements on this host, in the
// runtime-spec's features.md format (`hull-oci features`).
func Features() *features.Features {
	no := false
	namespaces := make([]string, 0, len(nsFlags))
	for t := range nsFlags {
		namespaces = append(namespaces, string(t))
	}
	sort.Strings(namespaces)
	cg := cgroups.Features()
	apparmor := apparmorEnabled()
	_, selinuxErr := os.Stat("/sys/fs/selinux/enforce")
	selinux := selinuxErr == nil
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  rootfs.MountOptions(),
		Linux: &features.Linux{
			Namespaces:      namespaces,
			Capabilities:    capabilities.Known(),
			Cgroup:          &cg,
			Seccomp:         seccomp.Features(),
			Apparmor:        &features.Apparmor{Enabled: &apparmor},
			Selinux:         &features.Selinux{Enabled: &selinux},
			IntelRdt:        &features.IntelRdt{Enabled: &no},
			MountExtensions: &features.MountExtensions{IDMap: &features.IDMap{Enabled: &no}},
		},
	}
}
