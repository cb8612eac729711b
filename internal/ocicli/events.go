package ocicli

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	hullrt "github.com/hullrt/hull/internal/runtime"
)

// event is one line of `events` output, runc's shape.
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

// cmdEvents prints the container's stats once (--stats), or, like runc,
// its stats every --interval and an "oom" event each time the kernel's
// OOM killer acts in it, until the container stops.
func cmdEvents(g *globals, args []string) error {
	fs := newFlags("events")
	var stats bool
	var interval time.Duration
	fs.BoolVar(&stats, "stats", false, "")
	fs.DurationVar(&interval, "interval", 5*time.Second, "")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return err
	}
	id, err := needID("events", pos)
	if err != nil {
		return err
	}
	if interval <= 0 {
		return fmt.Errorf("events: --interval must be positive")
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	c, err := rt.Load(id)
	if err != nil {
		return err
	}
	if c.Status() == hullrt.Stopped {
		return fmt.Errorf("container %q is not running", id)
	}
	enc := json.NewEncoder(os.Stdout)
	printStats := func() error {
		s, err := c.Stats()
		if err != nil {
			return err
		}
		return enc.Encode(event{Type: "stats", ID: id, Data: s})
	}
	if stats {
		return printStats()
	}
	var ooms <-chan struct{}
	if w, err := c.OOMEvents(); err == nil {
		defer w.Close()
		ooms = w.C
	} else {
		g.log.warnf("no oom events: %v", err)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	if err := printStats(); err != nil {
		return err
	}
	for {
		select {
		case _, ok := <-ooms:
			if !ok {
				return nil // the cgroup was removed
			}
			if err := enc.Encode(event{Type: "oom", ID: id}); err != nil {
				return err
			}
		case <-tick.C:
			if c.Status() == hullrt.Stopped {
				return nil
			}
			if err := printStats(); err != nil {
				return nil // the container went away meanwhile
			}
		}
	}
}
