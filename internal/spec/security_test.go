package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/capabilities"
)

func TestParseSecurityOpts(t *testing.T) {
	profile := filepath.Join(t.TempDir(), "profile.json")
	if err := os.WriteFile(profile, []byte(`{"defaultAction": "SCMP_ACT_ALLOW"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   []string
		want Security
		err  string
	}{
		{in: nil},
		{in: []string{"no-new-privileges"}, want: Security{NoNewPrivileges: true}},
		{in: []string{"no-new-privileges=true"}, want: Security{NoNewPrivileges: true}},
		{in: []string{"no-new-privileges:true"}, want: Security{NoNewPrivileges: true}},
		{in: []string{"no-new-privileges", "no-new-privileges=false"}},
		{in: []string{"seccomp=unconfined"}, want: Security{SeccompUnconfined: true}},
		{in: []string{"seccomp=builtin"}},
		{in: []string{"seccomp=" + profile}, want: Security{SeccompProfile: []byte(`{"defaultAction": "SCMP_ACT_ALLOW"}`)}},
		{in: []string{`seccomp={"defaultAction":"SCMP_ACT_LOG"}`}, want: Security{SeccompProfile: []byte(`{"defaultAction":"SCMP_ACT_LOG"}`)}},
		{in: []string{"apparmor=unconfined"}},
		{in: []string{"apparmor=my-profile"}, want: Security{AppArmorProfile: "my-profile"}},
		{in: []string{"label=disable", "label=user:u", "label:level:s0:c1"}},
		{in: []string{"systempaths=unconfined"}, want: Security{UnmaskedPaths: true}},
		{in: []string{"writable-cgroups=true"}, want: Security{WritableCgroups: true}},
		{in: []string{"seccomp"}, err: `invalid --security-opt: "seccomp"`},
		{in: []string{"seccomp="}, err: `invalid --security-opt: "seccomp="`},
		{in: []string{"no-new-privileges=maybe"}, err: `invalid --security-opt 2: "no-new-privileges=maybe"`},
		{in: []string{"colour=red"}, err: `invalid --security-opt 2: "colour=red"`},
		{in: []string{"systempaths=confined"}, err: `invalid --security-opt 2: "systempaths=confined"`},
		{in: []string{"label=bogus"}, err: `bad label option "bogus", valid options 'disable' or 'user, role, level, type, filetype' followed by ':' and a value`},
		{in: []string{"seccomp=/nonexistent/p.json"}, err: "opening seccomp profile (/nonexistent/p.json) failed: open /nonexistent/p.json: no such file or directory"},
		{in: []string{"seccomp={nope"}, err: "decoding seccomp profile failed: invalid character 'n' looking for beginning of object key string"},
	} {
		got, err := ParseSecurityOpts(tc.in)
		if checkErr(t, "ParseSecurityOpts", err, tc.err) && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseSecurityOpts(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// A profile in Docker's format applies its rules by capability,
// architecture and kernel, as Docker's daemon does.
func TestSeccompProfileConditions(t *testing.T) {
	profile := `{
	  "defaultAction": "SCMP_ACT_ERRNO",
	  "defaultErrnoRet": 1,
	  "archMap": [
	    {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
	    {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}
	  ],
	  "syscalls": [
	    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
	    {"name": "mount", "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
	    {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN", "CAP_SYS_PTRACE"]}},
	    {"names": ["unshare"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
	    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
	    {"names": ["sync_file_range2"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["ppc64le"]}},
	    {"names": ["not_on_arm"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["arm64"]}},
	    {"names": ["new_enough"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
	    {"names": ["too_new"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
	    {"names": ["old_only"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "5.0"}}
	  ]
	}`
	p, err := decodeSeccompProfile([]byte(profile))
	if err != nil {
		t.Fatal(err)
	}
	names := func(s *specs.LinuxSeccomp) []string {
		var out []string
		for _, c := range s.Syscalls {
			out = append(out, c.Names...)
		}
		return out
	}
	kernel := [2]int{6, 1}
	got := p.resolve([]string{"CAP_CHOWN"}, "amd64", kernel)
	if want := []string{"read", "write", "unshare", "arch_prctl", "not_on_arm", "new_enough"}; !reflect.DeepEqual(names(got), want) {
		t.Errorf("amd64, default caps: %q, want %q", names(got), want)
	}
	if want := []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}; !reflect.DeepEqual(got.Architectures, want) {
		t.Errorf("architectures %q, want %q", got.Architectures, want)
	}
	if got.DefaultAction != specs.ActErrno || got.DefaultErrnoRet == nil || *got.DefaultErrnoRet != 1 {
		t.Errorf("default action %v %v", got.DefaultAction, got.DefaultErrnoRet)
	}
	if ret := got.Syscalls[1].ErrnoRet; ret == nil || *ret != 38 {
		t.Errorf("unshare's errnoRet = %v", ret)
	}
	got = p.resolve([]string{"CAP_SYS_ADMIN"}, "arm64", [2]int{4, 19})
	if want := []string{"read", "write", "mount", "new_enough", "old_only"}; !reflect.DeepEqual(names(got), want) {
		t.Errorf("arm64, CAP_SYS_ADMIN, 4.19: %q, want %q", names(got), want)
	}
	got = p.resolve([]string{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"}, "riscv64", kernel)
	if !slices.Contains(names(got), "ptrace") || got.Architectures != nil {
		t.Errorf("riscv64 with both caps: %q, arches %q", names(got), got.Architectures)
	}
}

func TestSeccompProfileErrors(t *testing.T) {
	for _, tc := range []struct{ profile, err string }{
		{`{"architectures": ["SCMP_ARCH_X86_64"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}`,
			"both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'"},
		{`{"syscalls": [{"name": "read", "names": ["write"], "action": "SCMP_ACT_ALLOW"}]}`,
			"'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'"},
		{`{"syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "four"}}]}`,
			`invalid kernel version "four" in the seccomp profile, expected <major>.<minor>`},
		{`[]`, "decoding seccomp profile failed: json: cannot unmarshal array into Go value of type spec.seccompProfile"},
	} {
		_, err := ResolveSeccompProfile([]byte(tc.profile), nil)
		checkErr(t, tc.profile, err, tc.err)
	}
}

func TestContainerCaps(t *testing.T) {
	def := capabilities.Default()
	all := allCapabilities()
	without := func(list []string, drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(list), func(c string) bool { return slices.Contains(drop, c) })
	}
	for _, tc := range []struct {
		name       string
		privileged bool
		add, drop  []string
		want       []string
		err        string
	}{
		{name: "default", want: def},
		{name: "privileged", privileged: true, drop: []string{"ALL"}, want: all},
		{name: "add", add: []string{"sys_admin", "CAP_NET_ADMIN"}, want: append(slices.Clone(def), "CAP_SYS_ADMIN", "CAP_NET_ADMIN")},
		{name: "add a default one", add: []string{"chown"}, want: def},
		{name: "drop", drop: []string{"NET_RAW", "cap_mknod"}, want: without(def, "CAP_NET_RAW", "CAP_MKNOD")},
		{name: "drop all", drop: []string{"ALL"}, want: nil},
		{name: "drop all add one", drop: []string{"all"}, add: []string{"NET_BIND_SERVICE"}, want: []string{"CAP_NET_BIND_SERVICE"}},
		{name: "add all", add: []string{"ALL"}, want: all},
		{name: "add all drop one", add: []string{"ALL"}, drop: []string{"SYS_ADMIN"}, want: without(all, "CAP_SYS_ADMIN")},
		{name: "unknown", add: []string{"SUPERPOWER"}, err: `unknown capability: "CAP_SUPERPOWER"`},
		{name: "unknown drop", drop: []string{"CAP_NOPE"}, err: `unknown capability: "CAP_NOPE"`},
	} {
		got, err := containerCaps(tc.privileged, tc.add, tc.drop)
		if checkErr(t, tc.name, err, tc.err) && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if !slices.Contains(all, "CAP_SYS_ADMIN") || len(all) < 30 {
		t.Errorf("all capabilities: %q", all)
	}
}
