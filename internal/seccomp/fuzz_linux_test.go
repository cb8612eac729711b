package seccomp

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
)

// FuzzCompile feeds config.json's seccomp section, which comes from
// whoever writes the bundle, through Validate and Compile: they may refuse
// it, with one of the two error kinds, but must not panic or build a
// program the kernel would refuse for its size.
func FuzzCompile(f *testing.F) {
	seed, _ := json.Marshal(DefaultProfile())
	f.Add(seed)
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["socket"],"action":"SCMP_ACT_ERRNO",` +
		`"args":[{"index":0,"value":10,"op":"SCMP_CMP_EQ"},{"index":0,"value":16,"op":"SCMP_CMP_EQ"}]}]}`))
	f.Add([]byte(`{"defaultAction":"SCMP_ACT_TRACE","defaultErrnoRet":65535,"architectures":["SCMP_ARCH_X32"],` +
		`"flags":["SECCOMP_FILTER_FLAG_LOG"],"syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_KILL_THREAD"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s specs.LinuxSeccomp
		if json.Unmarshal(b, &s) != nil {
			return
		}
		filter, err := Compile(&s)
		if err != nil {
			if !errors.Is(err, errdefs.ErrInvalidArgument) && !errors.Is(err, errdefs.ErrUnavailable) {
				t.Fatalf("Compile error of no known kind: %v", err)
			}
			return
		}
		if filter.Len() == 0 || filter.Len() > maxInstructions {
			t.Fatalf("program of %d instructions", filter.Len())
		}
	})
}
