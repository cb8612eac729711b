package cli

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/hullrt/hull/internal/engine"
)

// runRm is `hull rm`: remove each container named; -f kills a running one
// first, -v removes its anonymous volumes too.
func runRm(ctx context.Context, e *env, args []string) error {
	var o engine.RemoveOptions
	var link bool
	fs := e.newFlags("rm")
	fs.Bool(&o.Force, "f", "force", "Force the removal of a running container (uses SIGKILL)")
	fs.Bool(&o.Volumes, "v", "volumes", "Remove anonymous volumes associated with the container")
	fs.Bool(&link, "l", "link", "Remove the specified link (hull has no links)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if link {
		return fmt.Errorf("links are not supported")
	}
	if err := needArgs("rm", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(ref string) error { return eng.Remove(ctx, ref, o) })
}

// runContainerPrune is `hull container prune`: remove every stopped
// container, after asking unless -f.
func runContainerPrune(ctx context.Context, e *env, args []string) error {
	var force bool
	var filters []string
	fs := e.newFlags("container prune")
	fs.Bool(&force, "f", "force", "Do not prompt for confirmation")
	fs.Strings(&filters, "", "filter", `Provide filter values (e.g. "label=<label>")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"container prune" accepts no arguments`)
	}
	f, err := filterMap(filters)
	if err != nil {
		return err
	}
	if !force && !e.ask("WARNING! This will remove all stopped containers.") {
		return fmt.Errorf("container prune cancelled (no terminal to confirm on; use -f)")
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	rep, err := eng.Prune(ctx, f)
	if err != nil {
		return docker(err)
	}
	listDeleted(e.stdout, "Containers", rep.ContainersDeleted)
	fmt.Fprintf(e.stdout, "Total reclaimed space: %s\n", humanSize(int64(rep.SpaceReclaimed)))
	return nil
}

// ask shows Docker's warning and reads y or N from a terminal; with no
// terminal the answer is no.
func (e *env) ask(warning string) bool {
	fmt.Fprintf(e.stdout, "%s\nAre you sure you want to continue? [y/N] ", warning)
	if !isTerminal(e.stdin) {
		fmt.Fprintln(e.stdout)
		return false
	}
	line, _ := bufio.NewReader(e.stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes"
}
