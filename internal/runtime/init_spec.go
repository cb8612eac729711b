package runtime

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// initSpec is the part of the spec that a spawned process reads, as the
// parent sends it in the initConfig.
//
// A spawned process is a new Go process, and encoding/json analyses every
// type it meets for the first time, down to every field of every type a
// field can hold, whether the data has it or not. For specs.Spec that is
// also the Windows, Solaris, VM and z/OS sections and the linux resources
// and seccomp rules, which init never reads (the parent applies the cgroup
// and compiles the filter): half of init's decoding time, about 0.5 ms.
//
// Code that runs in the spawned process and reads a field of the spec that
// is not here must add it here and in newInitSpec and spec.
type initSpec struct {
	Version     string            `json:"ociVersion"`
	Process     *specs.Process    `json:"process,omitempty"`
	Root        *specs.Root       `json:"root,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	Domainname  string            `json:"domainname,omitempty"`
	Mounts      []specs.Mount     `json:"mounts,omitempty"`
	Hooks       *specs.Hooks      `json:"hooks,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Linux       *initLinux        `json:"linux,omitempty"`
}

// initLinux is the part of specs.Linux that a spawned process reads.
type initLinux struct {
	UIDMappings       []specs.LinuxIDMapping `json:"uidMappings,omitempty"`
	GIDMappings       []specs.LinuxIDMapping `json:"gidMappings,omitempty"`
	Sysctl            map[string]string      `json:"sysctl,omitempty"`
	Namespaces        []specs.LinuxNamespace `json:"namespaces,omitempty"`
	Devices           []specs.LinuxDevice    `json:"devices,omitempty"`
	RootfsPropagation string                 `json:"rootfsPropagation,omitempty"`
	MaskedPaths       []string               `json:"maskedPaths,omitempty"`
	ReadonlyPaths     []string               `json:"readonlyPaths,omitempty"`
	MountLabel        string                 `json:"mountLabel,omitempty"`
}

func newInitSpec(s *specs.Spec) *initSpec {
	if s == nil {
		return nil
	}
	w := &initSpec{
		Version:     s.Version,
		Process:     s.Process,
		Root:        s.Root,
		Hostname:    s.Hostname,
		Domainname:  s.Domainname,
		Mounts:      s.Mounts,
		Hooks:       s.Hooks,
		Annotations: s.Annotations,
	}
	if l := s.Linux; l != nil {
		w.Linux = &initLinux{
			UIDMappings:       l.UIDMappings,
			GIDMappings:       l.GIDMappings,
			Sysctl:            l.Sysctl,
			Namespaces:        l.Namespaces,
			Devices:           l.Devices,
			RootfsPropagation: l.RootfsPropagation,
			MaskedPaths:       l.MaskedPaths,
			ReadonlyPaths:     l.ReadonlyPaths,
			MountLabel:        l.MountLabel,
		}
	}
	return w
}

// spec returns the spec the spawned process works with.
func (w *initSpec) spec() *specs.Spec {
	if w == nil {
		return nil
	}
	s := &specs.Spec{
		Version:     w.Version,
		Process:     w.Process,
		Root:        w.Root,
		Hostname:    w.Hostname,
		Domainname:  w.Domainname,
		Mounts:      w.Mounts,
		Hooks:       w.Hooks,
		Annotations: w.Annotations,
	}
	if l := w.Linux; l != nil {
		s.Linux = &specs.Linux{
			UIDMappings:       l.UIDMappings,
			GIDMappings:       l.GIDMappings,
			Sysctl:            l.Sysctl,
			Namespaces:        l.Namespaces,
			Devices:           l.Devices,
			RootfsPropagation: l.RootfsPropagation,
			MaskedPaths:       l.MaskedPaths,
			ReadonlyPaths:     l.ReadonlyPaths,
			MountLabel:        l.MountLabel,
		}
	}
	return s
}

// initConfigJSON is initConfig on the wire: the outer Spec field hides the
// embedded one, so that encoding/json never looks at specs.Spec.
type initConfigJSON struct {
	*plainInitConfig
	Spec *initSpec `json:"spec"`
}

type plainInitConfig initConfig

// MarshalJSON sends the spec as an initSpec.
func (cfg *initConfig) MarshalJSON() ([]byte, error) {
	return json.Marshal(initConfigJSON{(*plainInitConfig)(cfg), newInitSpec(cfg.Spec)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (cfg *initConfig) UnmarshalJSON(data []byte) error {
	w := initConfigJSON{plainInitConfig: (*plainInitConfig)(cfg)}
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	cfg.Spec = w.Spec.spec()
	return nil
}
