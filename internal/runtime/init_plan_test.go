package runtime

import (
	"encoding/binary"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/initplan"
)

func exampleInitConfig() *initConfig {
	s := ExampleSpec(false)
	s.Process.Terminal = false
	return &initConfig{Kind: initContainer, ID: "p", Rootfs: "/tmp/rootfs", Spec: s, Process: s.Process, FifoFD: 3}
}

// The C init takes the common container; what only the Go init does sends
// the container there instead (a nil plan), and a bad spec is an error
// either way.
func TestPlanInitChoosesTheInit(t *testing.T) {
	if p, err := planInit(exampleInitConfig(), nil); err != nil || p == nil || p.Len() == 0 {
		t.Fatalf("the example spec: plan %v, %v", p, err)
	}
	goOnly := map[string]func(c *initConfig){
		"no pivot":        func(c *initConfig) { c.NoPivot = true },
		"apparmor":        func(c *initConfig) { c.Process.ApparmorProfile = "p" },
		"scheduler":       func(c *initConfig) { c.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch} },
		"createContainer": func(c *initConfig) { c.Spec.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}} },
		"startContainer":  func(c *initConfig) { c.Spec.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}}} },
		"NUL in an arg":   func(c *initConfig) { c.Process.Args = []string{"a\x00b"} },
		"no mount namespace": func(c *initConfig) {
			c.Spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.PIDNamespace}}
		},
		"joined mount namespace": func(c *initConfig) {
			c.Spec.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace, Path: "/proc/1/ns/mnt"}}
		},
	}
	for name, change := range goOnly {
		cfg := exampleInitConfig()
		change(cfg)
		if p, err := planInit(cfg, nil); err != nil || p != nil {
			t.Errorf("%s: a plan of %d operations (%v); want the Go init", name, p.Len(), err)
		}
	}
	// A process exec'd in the container goes through the C init too, and
	// execs at once: no exec fifo.
	cfg := exampleInitConfig()
	cfg.Kind, cfg.FifoFD = initExec, 0
	if p, err := planInit(cfg, nil); err != nil || p == nil || !hasOp(p, initplan.Exec) || hasOp(p, initplan.Pivot) {
		t.Errorf("an exec'd process: plan %v, %v", p, err)
	}
	cfg = exampleInitConfig()
	cfg.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS"}}
	if _, err := planInit(cfg, nil); err == nil {
		t.Error("an unknown rlimit planned")
	}
	// A terminal: a session of its own, and the pty once the root is the
	// container's, with its devpts.
	cfg = exampleInitConfig()
	cfg.Process.Terminal, cfg.ConsoleFD = true, 4
	if p, err := planInit(cfg, nil); err != nil || p == nil || !hasOp(p, initplan.Setsid) || !hasOp(p, initplan.Console) {
		t.Errorf("a terminal: plan %v, %v", p != nil, err)
	}
	// Prestart and createRuntime hooks run in the runtime: the C init asks.
	cfg = exampleInitConfig()
	cfg.Spec.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "/bin/true"}}}
	p, err := planInit(cfg, nil)
	if err != nil || p == nil || !hasOp(p, initplan.Hooks) {
		t.Errorf("prestart hooks: plan %v, %v", p, err)
	}
}

// hasOp reports whether the plan holds op (the encoding of initplan).
func hasOp(p *initplan.Plan, op initplan.Op) bool {
	b := p.Bytes()[4:]
	for len(b) > 0 {
		if initplan.Op(binary.NativeEndian.Uint16(b)) == op {
			return true
		}
		n := int(binary.NativeEndian.Uint16(b[2:]))
		b = b[4:]
		for range n {
			b = b[4+int(binary.NativeEndian.Uint32(b))+1:]
		}
	}
	return false
}
