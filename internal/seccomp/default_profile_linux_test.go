package seccomp

import (
	"runtime"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"
)

// rulesFor returns the profile's rules that name call.
func rulesFor(p *specs.LinuxSeccomp, call string) []specs.LinuxSyscall {
	var out []specs.LinuxSyscall
	for _, r := range p.Syscalls {
		if slices.Contains(r.Names, call) {
			out = append(out, r)
		}
	}
	return out
}

func TestDefaultProfile(t *testing.T) {
	p := DefaultProfile()
	if p.DefaultAction != specs.ActErrno || p.DefaultErrnoRet == nil || *p.DefaultErrnoRet != 1 {
		t.Fatalf("default action %s/%v, want SCMP_ACT_ERRNO with EPERM", p.DefaultAction, p.DefaultErrnoRet)
	}
	if runtime.GOARCH == "amd64" && !slices.Equal(p.Architectures, []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"}) {
		t.Errorf("architectures = %v", p.Architectures)
	}
	if n := len(p.Syscalls[0].Names); n != 361 {
		t.Errorf("the allow-list has %d names, moby's has 361", n)
	}
	for _, call := range []string{"mount", "unshare", "setns", "reboot", "ptrace", "bpf", "kexec_load"} {
		for _, r := range rulesFor(p, call) {
			if call != "ptrace" || kernelVersion()[0] < 4 {
				t.Errorf("%s is allowed without its capability: %+v", call, r)
			}
		}
	}
	clone := rulesFor(p, "clone")
	if len(clone) != 1 || len(clone[0].Args) != 1 || clone[0].Args[0].Value != 0x7e020000 {
		t.Errorf("clone rules = %+v, want one that refuses namespace flags", clone)
	}
	clone3 := rulesFor(p, "clone3")
	if len(clone3) != 1 || clone3[0].Action != specs.ActErrno || *clone3[0].ErrnoRet != 38 {
		t.Errorf("clone3 rules = %+v, want ENOSYS", clone3)
	}
	if runtime.GOARCH == "amd64" && len(rulesFor(p, "arch_prctl")) != 1 {
		t.Error("arch_prctl is missing on amd64")
	}
	if len(rulesFor(p, "riscv_flush_icache")) != 0 && runtime.GOARCH != "riscv64" {
		t.Error("riscv_flush_icache outside riscv64")
	}
}

func TestDefaultProfileFollowsCapabilities(t *testing.T) {
	p := DefaultProfileFor([]string{"CAP_SYS_ADMIN", "CAP_SYS_TIME"})
	for _, call := range []string{"mount", "unshare", "clone3", "settimeofday"} {
		if r := rulesFor(p, call); len(r) != 1 || r[0].Action != specs.ActAllow {
			t.Errorf("%s with its capability: %+v, want allowed", call, r)
		}
	}
	if r := rulesFor(p, "clone"); len(r) != 1 || len(r[0].Args) != 0 {
		t.Errorf("clone with CAP_SYS_ADMIN: %+v, want allowed outright", r)
	}
	// The returned profile is the caller's to change.
	p.Syscalls[0].Names[0] = "changed"
	if DefaultProfile().Syscalls[0].Names[0] != "accept" {
		t.Error("DefaultProfileFor returns shared storage")
	}
}

func TestProfileRuleMinKernel(t *testing.T) {
	r := profileRule{minKernel: [2]int{4, 8}}
	for _, c := range []struct {
		kernel [2]int
		want   bool
	}{{[2]int{4, 7}, false}, {[2]int{4, 8}, true}, {[2]int{5, 0}, true}, {[2]int{3, 19}, false}} {
		if got := r.applies("amd64", nil, c.kernel); got != c.want {
			t.Errorf("kernel %v: applies = %v", c.kernel, got)
		}
	}
}
