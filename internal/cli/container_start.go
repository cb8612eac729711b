package cli

import (
	"context"
	"fmt"

	"github.com/hullrt/hull/internal/engine"
)

// runStart is `hull start`: start each container named and print its name;
// with -a (or -i), start one container and stay attached as `hull run`
// does, exiting with its exit code.
func runStart(ctx context.Context, e *env, args []string) error {
	var attach, interactive bool
	var keys []byte
	fs := e.newFlags("start")
	fs.detachKeys(&keys)
	fs.Bool(&attach, "a", "attach", "Attach STDOUT/STDERR and forward signals")
	fs.Bool(&interactive, "i", "interactive", "Attach container's STDIN")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("start", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	if !attach && !interactive {
		return e.forEach(pos, true, func(ref string) error {
			_, err := eng.Start(ctx, ref, engine.StartOptions{})
			return err
		})
	}
	if len(pos) > 1 {
		return fmt.Errorf("you cannot start and attach multiple containers at once")
	}
	info, err := eng.Inspect(pos[0])
	if err != nil {
		return docker(err)
	}
	att, err := eng.Start(ctx, info.ID, engine.StartOptions{Attach: true})
	if err == nil && att == nil {
		att, err = eng.Attach(info.ID) // it was running already
	}
	if err != nil {
		return docker(err)
	}
	o := sessionOptions{id: info.ID, stdin: interactive && info.Config.OpenStdin, tty: info.Config.Tty, sigProxy: true, detachKeys: keys}
	return exitWith(e.session(ctx, eng, att, o))
}
