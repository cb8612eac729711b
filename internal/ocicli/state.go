package ocicli

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

func printJSON(v any) error {
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdState(g *globals, args []string) error {
	c, err := loadOne(g, "state", args)
	if err != nil {
		return err
	}
	return printJSON(c.OCIState())
}

func cmdKill(g *globals, args []string) error {
	fs := newFlags("kill")
	var all bool
	fs.BoolVar(&all, "all", false, "")
	fs.BoolVar(&all, "a", false, "")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return err
	}
	if len(pos) < 1 || len(pos) > 2 {
		return fmt.Errorf("kill: usage: hull-oci kill [--all] ID [SIGNAL]")
	}
	sig := unix.SIGTERM
	if len(pos) == 2 {
		if sig, err = parseSignal(pos[1]); err != nil {
			return err
		}
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	c, err := rt.Load(pos[0])
	if err != nil {
		return err
	}
	return c.Signal(sig, all)
}

// parseSignal accepts KILL, SIGKILL, sigkill and 9.
func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("unknown signal %q", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

func cmdDelete(g *globals, args []string) error {
	fs := newFlags("delete")
	var force bool
	fs.BoolVar(&force, "force", false, "")
	fs.BoolVar(&force, "f", false, "")
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("delete: expects at least one container id")
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	var firstErr error
	for _, id := range pos {
		c, err := rt.Load(id)
		if err == nil {
			err = c.Delete(force)
		} else if errdefs.IsNotFound(err) {
			// What a killed create left has no state to load.
			if rerr := rt.RemoveInterrupted(id); !errdefs.IsNotFound(rerr) {
				err = rerr
			}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		} else if err != nil {
			g.log.errorf("%v", err)
		}
	}
	return firstErr
}

// listEntry is one container as `list --format json` prints it (runc's
// field names).
type listEntry struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Owner       string            `json:"owner"`
}

func cmdList(g *globals, args []string) error {
	fs := newFlags("list")
	var format string
	var quiet bool
	fs.StringVar(&format, "format", "table", "")
	fs.StringVar(&format, "f", "table", "")
	fs.BoolVar(&quiet, "quiet", false, "")
	fs.BoolVar(&quiet, "q", false, "")
	if _, err := parseArgs(fs, args, 0); err != nil {
		return err
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	cs, err := rt.List()
	if err != nil {
		return err
	}
	entries := make([]listEntry, 0, len(cs))
	for _, c := range cs {
		st := c.OCIState()
		entries = append(entries, listEntry{st.OCIVersion, st.ID, st.Pid, string(st.Status),
			st.Bundle, st.Rootfs, st.Created, st.Annotations, st.Owner})
	}
	switch {
	case quiet:
		for _, e := range entries {
			fmt.Println(e.ID)
		}
	case format == "json":
		return printJSON(entries)
	case format == "table":
		w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
		fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
		for _, e := range entries {
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", e.ID, e.Pid, e.Status, e.Bundle,
				e.Created.Format(time.RFC3339Nano), e.Owner)
		}
		return w.Flush()
	default:
		return fmt.Errorf("list: unknown --format %q (table or json)", format)
	}
	return nil
}
