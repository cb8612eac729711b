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

// runPort is `hull port CONTAINER [PRIVATE_PORT[/PROTO]]`: each published
// port as "80/tcp -> 0.0.0.0:8080", or the host addresses of one, with
// Docker's error for a port that is not published.
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
	r, err := eng.Inspect(pos[0])
	if err != nil {
		return docker(err)
	}
	return printPorts(e.stdout, r.NetworkSettings.Ports, pos[0], pos[1:])
}
