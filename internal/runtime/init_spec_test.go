package runtime

import (
	"encoding/json"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// What init reads of the spec survives the trip over the sync socket;
// what it does not read is left behind.
func TestInitConfigCarriesInitSpec(t *testing.T) {
	spec := ExampleSpec(false)
	spec.Hostname, spec.Domainname = "h", "d"
	spec.Annotations = map[string]string{"a": "b"}
	spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}}
	spec.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	spec.Linux.RootfsPropagation = "rslave"
	spec.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229}}
	spec.Linux.UIDMappings = []specs.LinuxIDMapping{{HostID: 1000, Size: 1}}
	spec.Linux.MountLabel = "label"
	spec.Windows = &specs.Windows{LayerFolders: []string{`C:\`}}
	in := &initConfig{Kind: initContainer, ID: "c", Spec: spec, Process: spec.Process, FifoFD: 4}

	data, err := json.Marshal(message{Type: msgConfig, Config: in})
	if err != nil {
		t.Fatal(err)
	}
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	out := m.Config
	if out.ID != "c" || out.FifoFD != 4 || !reflect.DeepEqual(out.Process, spec.Process) {
		t.Errorf("initConfig fields lost: %+v", out)
	}
	want := *spec
	want.Windows = nil
	wantLinux := *spec.Linux
	wantLinux.Resources, wantLinux.Seccomp, wantLinux.CgroupsPath = nil, nil, ""
	want.Linux = &wantLinux
	if !reflect.DeepEqual(out.Spec, &want) {
		t.Errorf("spec after the trip:\n%+v\nwant\n%+v", out.Spec, &want)
	}
}
