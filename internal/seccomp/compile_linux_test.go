package seccomp

import (
	"errors"
	"slices"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestCompileDefaultProfile(t *testing.T) {
	f, err := Compile(DefaultProfile())
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() < 100 || f.Len() > maxInstructions || f.Notifies() {
		t.Fatalf("program of %d instructions, notifies %v", f.Len(), f.Notifies())
	}
}

func TestCompileSkipsWhatLibseccompSkips(t *testing.T) {
	f, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"no_such_syscall"}, Action: specs.ActErrno},
			{Names: []string{"mkdir"}, Action: specs.ActAllow}, // same as the default
			{Names: []string{"no_such_syscall"}, Action: specs.ActNotify},
		},
		ListenerPath: "/run/agent.sock",
	})
	if err != nil {
		t.Fatal(err)
	}
	if f.Notifies() {
		t.Error("a notify rule with only unknown names must not ask for a listener")
	}
}

func TestCompileSplitsRepeatedArguments(t *testing.T) {
	// libseccomp refuses two comparisons of one argument in a rule.
	_, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{
			Names: []string{"socket"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{
				{Index: 0, Value: 10, Op: specs.OpEqualTo},
				{Index: 0, Value: 16, Op: specs.OpEqualTo},
				{Index: 1, Value: 0xf, ValueTwo: 2, Op: specs.OpMaskedEqual},
			},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := conditionGroups([]specs.LinuxSeccompArg{
		{Index: 0, Value: 1, Op: specs.OpEqualTo}, {Index: 1, Value: 2, Op: specs.OpEqualTo},
	})
	if err != nil || len(groups) != 1 || len(groups[0]) != 2 {
		t.Fatalf("distinct arguments: %d groups, %v; want one rule with both", len(groups), err)
	}
}

func TestCompileRefusesMixedEndianness(t *testing.T) {
	_, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchS390X},
	})
	if !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Fatalf("Compile = %v, want ErrInvalidArgument", err)
	}
}

func TestFilterMarshalRoundTrip(t *testing.T) {
	f, err := Compile(&specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Flags:         []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog},
		ListenerPath:  "/run/agent.sock",
		Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}},
	})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := f.MarshalBinary()
	var g Filter
	if err := g.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.program, g.program) || f.flags != g.flags || !g.notify {
		t.Fatalf("round trip changed the filter: %+v, %+v", f, g)
	}
	for _, bad := range [][]byte{nil, []byte("hsf1"), append(slices.Clone(b), 0)} {
		if err := new(Filter).UnmarshalBinary(bad); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("UnmarshalBinary(%d bytes) = %v", len(bad), err)
		}
	}
}
