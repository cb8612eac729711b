package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/moby/moby/api/types/container"

	"github.com/hullrt/hull/internal/spec"
)

// runUpdate is `hull update`: new resource limits or restart policy for
// each container; a running one's cgroup changes at once.
func runUpdate(ctx context.Context, e *env, args []string) error {
	var o runOptions
	fs := e.newFlags("update")
	addResourceFlags(fs, &o)
	fs.String(&o.restart, "", "restart", "Restart policy to apply when a container exits")
	o.set = fs.isSet
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("update", 1, pos); err != nil {
		return err
	}
	u, err := updateConfig(&o, fs)
	if err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(ref string) error { return eng.Update(ref, u) })
}

// updateConfig reads update's flags; a flag not given leaves its value.
func updateConfig(o *runOptions, fs *flagSet) (container.UpdateConfig, error) {
	var u container.UpdateConfig
	given := false
	fs.fs.Visit(func(*flag.Flag) { given = true })
	if !given {
		return u, fmt.Errorf("you must provide one or more flags when using this command")
	}
	var hc container.HostConfig
	if err := setResources(o, &hc); err != nil {
		return u, err
	}
	if o.shmSize != "" || o.oomScoreAdj != 0 || o.set("oom-kill-disable") {
		return u, fmt.Errorf("--shm-size, --oom-score-adj and --oom-kill-disable cannot be updated")
	}
	u.Resources = hc.Resources
	if o.pidsLimit == 0 && o.set("pids-limit") {
		unlimited := int64(-1) // 0 means "leave it" in the update; Docker reads it as unlimited
		u.PidsLimit = &unlimited
	}
	if o.restart != "" {
		p, err := spec.ParseRestart(o.restart)
		if err != nil {
			return u, err
		}
		u.RestartPolicy = container.RestartPolicy{Name: container.RestartPolicyMode(p.Name), MaximumRetryCount: p.MaximumRetryCount}
	}
	return u, nil
}
