package cli

import (
	"context"
	"fmt"
)

// runBuilderPrune is `hull builder prune [-a] [-f]`: the build cache no
// image uses (with -a, all of it), what killed builds left behind, and the
// layers that frees.
func runBuilderPrune(ctx context.Context, e *env, args []string) error {
	var force, all bool
	fs := e.newFlags("builder prune")
	fs.Bool(&force, "f", "force", "Do not prompt for confirmation")
	fs.Bool(&all, "a", "all", "Remove all unused build cache, not just dangling ones")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("builder prune: accepts no arguments")
	}
	if !force && !e.ask("WARNING! This will remove all dangling build cache.") {
		return fmt.Errorf("builder prune cancelled (no terminal to confirm on; use -f)")
	}
	b, err := e.builder()
	if err != nil {
		return err
	}
	res, err := b.Prune(ctx, all)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Deleted build cache objects: %d\n", res.Entries)
	fmt.Fprintf(e.stdout, "Total reclaimed space: %s\n", humanSize(res.Bytes))
	return nil
}
