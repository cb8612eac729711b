package runtime

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/capabilities"
	"github.com/hullrt/hull/internal/seccomp"
)

// WarmUp does ahead of time the one-off work of a process's first Create:
// building the JSON codecs of the spec and of the state, and asking
// libseccomp for its version and the kernel's seccomp API level (the
// filter cache's key). It changes nothing on the host. A process that
// waits before its first Create, such as the engine's preforked monitor,
// calls it while it waits: the container's start then finds it all done.
// Without it, each of these costs its first caller a few hundred
// microseconds, mostly page faults.
func WarmUp() {
	s := ExampleSpec(false)
	s.Linux.Resources = &specs.LinuxResources{
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
		Memory:  &specs.LinuxMemory{}, CPU: &specs.LinuxCPU{}, Pids: &specs.LinuxPids{},
		BlockIO: &specs.LinuxBlockIO{},
	}
	s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	s.Linux.Seccomp = &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, Op: specs.OpEqualTo}}}},
	}
	s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 1024}}
	s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/true", Args: []string{"true"}}}}
	s.Annotations = map[string]string{"warm": "up"}
	if b, err := json.Marshal(&State{Config: s}); err == nil {
		var st State
		json.Unmarshal(b, &st)
	}
	// The messages exchanged with the container's process, and the
	// record of a create in progress.
	json.Unmarshal([]byte(`{"type":"pid","pid":1,"cgroup2":true,"message":"m"}`), &message{})
	json.Marshal(message{Type: msgCommitted})
	json.Marshal(creating{CgroupPaths: map[string]string{"pids": "/"}})
	seccomp.WarmUp(s.Linux.Seccomp)
	capabilities.LastCap()
}
