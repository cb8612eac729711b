package cli

import (
	"context"
	"fmt"

	"github.com/hullrt/hull/internal/engine"
)

// runCommit is `hull commit [OPTIONS] CONTAINER REPOSITORY[:TAG]`. Unlike
// Docker it needs a name: hull does not list untagged images.
func runCommit(ctx context.Context, e *env, args []string) error {
	var o engine.CommitOptions
	var changes []string
	fs := e.newFlags("commit")
	fs.String(&o.Author, "a", "author", `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	fs.String(&o.Comment, "m", "message", "Commit message")
	fs.Strings(&changes, "c", "change", "Apply Dockerfile instruction to the created image")
	pause := true
	fs.Bool(&pause, "p", "pause", "Pause container during commit (default true)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("commit: want CONTAINER and REPOSITORY[:TAG]")
	}
	if o.Changes, err = parseChanges(changes); err != nil {
		return err
	}
	o.Pause = pause
	eng, err := e.engine()
	if err != nil {
		return err
	}
	img, err := eng.Commit(ctx, pos[0], pos[1], o)
	if err != nil {
		return docker(err)
	}
	fmt.Fprintln(e.stdout, img.ID)
	return nil
}
