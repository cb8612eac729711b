package seccomp

import (
	"runtime"
	"slices"
	"testing"
)

func TestFeatures(t *testing.T) {
	f := Features()
	if f.Enabled == nil || !*f.Enabled {
		t.Error("seccomp must be enabled")
	}
	if len(f.Actions) != 9 || !slices.Contains(f.Actions, "SCMP_ACT_KILL_PROCESS") || !slices.IsSorted(f.Actions) {
		t.Errorf("actions = %v", f.Actions)
	}
	if len(f.Operators) != 7 || !slices.Contains(f.Operators, "SCMP_CMP_MASKED_EQ") {
		t.Errorf("operators = %v", f.Operators)
	}
	if runtime.GOARCH == "amd64" {
		for _, a := range []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"} {
			if !slices.Contains(f.Archs, a) {
				t.Errorf("archs %v lack %s", f.Archs, a)
			}
		}
	}
	want := []string{
		"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	}
	if !slices.Equal(f.KnownFlags, want) {
		t.Errorf("knownFlags = %v, want %v", f.KnownFlags, want)
	}
	for _, fl := range f.SupportedFlags {
		if !slices.Contains(f.KnownFlags, fl) {
			t.Errorf("supported flag %s is not known", fl)
		}
	}
	if !slices.Contains(f.SupportedFlags, "SECCOMP_FILTER_FLAG_TSYNC") {
		t.Errorf("supportedFlags = %v: every kernel since 3.17 has TSYNC", f.SupportedFlags)
	}
}
