package seccomp

import (
	"errors"
	"strings"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

func uintp(v uint) *uint { return &v }

func TestValidateAcceptsEveryName(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock"}
	for a := range actions {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"mkdir"}, Action: a})
	}
	for op := range operators {
		s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{
			Names: []string{"socket"}, Action: specs.ActErrno, ErrnoRet: uintp(97),
			Args: []specs.LinuxSeccompArg{{Index: 5, Value: 1, ValueTwo: 1, Op: op}},
		})
	}
	if err := Validate(s); err != nil {
		t.Fatal(err)
	}
	if err := Validate(nil); err != nil {
		t.Fatalf("Validate(nil) = %v", err)
	}
	if err := Validate(DefaultProfile()); err != nil {
		t.Fatalf("the default profile: %v", err)
	}
}

func TestValidateErrors(t *testing.T) {
	rule := func(r specs.LinuxSyscall) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{r}}
	}
	for _, tc := range []struct {
		name string
		s    *specs.LinuxSeccomp
		kind error
		want string
	}{
		{"no default action", &specs.LinuxSeccomp{}, errdefs.ErrInvalidArgument,
			"seccomp: defaultAction is required"},
		{"unknown default action", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_FOO"}, errdefs.ErrInvalidArgument,
			`seccomp: unknown defaultAction "SCMP_ACT_FOO"`},
		{"notify as default", &specs.LinuxSeccomp{DefaultAction: specs.ActNotify}, errdefs.ErrInvalidArgument,
			"seccomp: SCMP_ACT_NOTIFY cannot be the defaultAction"},
		{"errno on allow", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, DefaultErrnoRet: uintp(1)}, errdefs.ErrInvalidArgument,
			"seccomp: defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one"},
		{"errno too big", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: uintp(70000)}, errdefs.ErrInvalidArgument,
			"seccomp: defaultErrnoRet: 70000 does not fit"},
		{"unknown arch", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{"SCMP_ARCH_Z80"}}, errdefs.ErrInvalidArgument,
			`seccomp: unknown architecture "SCMP_ARCH_Z80"`},
		{"unknown flag", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_FOO"}}, errdefs.ErrInvalidArgument,
			`seccomp: unknown flag "SECCOMP_FILTER_FLAG_FOO"`},
		{"metadata without path", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerMetadata: "x"}, errdefs.ErrInvalidArgument,
			"seccomp: listenerMetadata is set but listenerPath is not"},
		{"no names", rule(specs.LinuxSyscall{Action: specs.ActErrno}), errdefs.ErrInvalidArgument,
			"seccomp: syscalls[0]: names is empty"},
		{"unknown action", rule(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: "SCMP_ACT_FOO"}), errdefs.ErrInvalidArgument,
			`seccomp: syscalls[0]: unknown action "SCMP_ACT_FOO"`},
		{"errno on kill", rule(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActKill, ErrnoRet: uintp(1)}), errdefs.ErrInvalidArgument,
			"seccomp: syscalls[0]: errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take one, not SCMP_ACT_KILL"},
		{"unknown op", rule(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_FOO"}}}), errdefs.ErrInvalidArgument,
			`seccomp: syscalls[0]: args[0]: unknown operator "SCMP_CMP_FOO"`},
		{"arg out of range", rule(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 6, Op: specs.OpEqualTo}}}), errdefs.ErrInvalidArgument,
			"seccomp: syscalls[0]: args[0]: index 6 is out of range"},
		{"notify without listener", rule(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: specs.ActNotify}), errdefs.ErrInvalidArgument,
			"seccomp: syscalls[0]: SCMP_ACT_NOTIFY needs a listenerPath"},
		{"arch libseccomp 2.5 lacks", &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchLOONGARCH64}}, nil, ""},
	} {
		err := Validate(tc.s)
		if tc.kind == nil {
			// Depends on the libseccomp installed: either fine or unavailable.
			if err != nil && !errors.Is(err, errdefs.ErrUnavailable) {
				t.Errorf("%s: Validate = %v, want nil or ErrUnavailable", tc.name, err)
			}
			continue
		}
		if !errors.Is(err, tc.kind) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v\n\twant %q (%v)", tc.name, err, tc.want, tc.kind)
		}
	}
}
