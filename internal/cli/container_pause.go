package cli

import (
	"context"
)

// runPause is `hull pause`: freeze every process of each container.
func runPause(ctx context.Context, e *env, args []string) error {
	return freeze(e, "pause", args, true)
}

// runUnpause is `hull unpause`: thaw each container.
func runUnpause(ctx context.Context, e *env, args []string) error {
	return freeze(e, "unpause", args, false)
}

func freeze(e *env, name string, args []string, pause bool) error {
	pos, err := e.newFlags(name).parse(args)
	if err != nil {
		return err
	}
	if err := needArgs(name, 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(ref string) error {
		if pause {
			return eng.Pause(ref)
		}
		return eng.Unpause(ref)
	})
}
