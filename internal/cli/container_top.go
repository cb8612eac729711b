package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

// runTop is `hull top CONTAINER [ps OPTIONS]`: the host's ps(1) over the
// container's processes.
func runTop(ctx context.Context, e *env, args []string) error {
	fs := e.newFlags("top")
	pos, err := fs.parseLeading(args)
	if err != nil {
		return err
	}
	if err := needArgs("top", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	top, err := eng.Top(pos[0], pos[1:])
	if err != nil {
		return docker(err)
	}
	tw := tabwriter.NewWriter(e.stdout, 20, 1, 3, ' ', 0)
	fmt.Fprintln(tw, strings.Join(top.Titles, "\t"))
	for _, p := range top.Processes {
		fmt.Fprintln(tw, strings.Join(p, "\t"))
	}
	return tw.Flush()
}

// runPort is `hull port CONTAINER [PRIVATE_PORT[/PROTO]]`. hull publishes
// no ports yet, so there is never a mapping to print; asking for a port is
// Docker's error for an unpublished one.
func runPort(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("port").parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("port", 1, pos); err != nil {
		return err
	}
	if len(pos) > 2 {
		return fmt.Errorf(`"port" requires at most 2 arguments`)
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	if _, err := eng.Lookup(pos[0]); err != nil {
		return docker(err)
	}
	if len(pos) == 2 {
		port := pos[1]
		if !strings.Contains(port, "/") {
			port += "/tcp"
		}
		return fmt.Errorf("no public port '%s' published for %s", port, pos[0])
	}
	return nil
}
