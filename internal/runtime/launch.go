package runtime

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/initplan"
)

// launch starts the process cfg describes (a container's init or an exec'd
// process) through spawn, the way both need: it gives it the spec's
// compiled seccomp filter and, when the filter has a listener, a relay to
// the agent (state reports the container's state for it, given the new
// pid); it chooses the init (the C init's plan, unless only the Go init
// can, or GoInit says so) and sends the Go init its configuration. On
// failure nothing it started is left.
func (r *Runtime) launch(cfg *initConfig, req *spawnRequest, cgroupDirs []cgroups.Dir, state func(pid int) specs.State) (*spawned, error) {
	seccompSpec := cfg.Spec.Linux.Seccomp
	filter, err := r.compileSeccomp(seccompSpec)
	if err == nil {
		err = cfg.setSeccomp(filter)
	}
	if err != nil {
		return nil, err
	}
	relay, err := cfg.listenerRelay(&req.extra)
	if err != nil {
		return nil, err
	}
	var plan *initplan.Plan
	if !r.GoInit {
		plan, err = planInit(cfg, cgroupDirs)
	}
	if err == nil && plan != nil {
		req.boot.plan = plan.Bytes()
	}
	var p *spawned
	if err == nil {
		p, err = r.spawn(req)
	}
	if relay != nil {
		req.extra[cfg.ListenerFD-3].Close() // the process has its end now
		if err != nil {
			relay.close()
		}
	}
	if err != nil {
		return nil, err
	}
	if relay != nil {
		p.relay = relay
		relay.start(seccompSpec, p.pid, func() specs.State { return state(p.pid) })
	}
	if plan != nil {
		return p, nil // the C init has its plan and needs no configuration
	}
	if cfg.Kind == initContainer {
		cfg.Pid = p.pid
	}
	if err := p.conn.send(message{Type: msgConfig, Config: cfg}); err != nil {
		p.close()
		return nil, fmt.Errorf("sending the process its configuration: %w", err)
	}
	return p, nil
}

// close kills a spawned process that is not to go on, and drops its
// socket and relay.
func (p *spawned) close() {
	killAndReap(p.pid)
	p.conn.close()
	if p.relay != nil {
		p.relay.close()
	}
}
