package engine

import (
	"context"
	"fmt"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/logs"
)

// Logs calls fn for each line the container logged that opts select; with
// opts.Follow it goes on until ctx ends or the container stops running.
func (e *Engine) Logs(ctx context.Context, ref string, opts logs.ReadOptions, fn func(logs.Entry) error) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	if c.HostConfig.LogConfig.Type == "none" {
		return fmt.Errorf("configured logging driver does not support reading: %w", errdefs.ErrInvalidArgument)
	}
	if opts.Follow && opts.Done == nil {
		opts.Done = func() bool {
			st := e.status(c)
			return !st.Running && !st.Restarting
		}
	}
	cfg := logs.Config{Path: e.logPath(c)}
	cfg.MaxSize, cfg.MaxFiles = logLimits(c.HostConfig.LogConfig.Config)
	return logs.Read(ctx, cfg, opts, fn)
}
