package ocicli

import (
	"encoding/json"
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

// cmdEvents prints the container's stats once (--stats) or every
// --interval until it stops.
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
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	c, err := rt.Load(id)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(os.Stdout)
	for {
		if c.Status() == hullrt.Stopped {
			return nil
		}
		s, err := c.Stats()
		if err != nil {
			return err
		}
		if err := enc.Encode(event{Type: "stats", ID: id, Data: s}); err != nil {
			return err
		}
		if stats {
			return nil
		}
		time.Sleep(interval)
	}
}
