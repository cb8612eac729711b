package ocicli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// cmdPs lists the container's processes: their pids as JSON, or the
// matching lines of ps(1) run with the given options, as runc does.
func cmdPs(g *globals, args []string) error {
	fs := newFlags("ps")
	var format string
	fs.StringVar(&format, "format", "table", "")
	fs.StringVar(&format, "f", "table", "")
	pos, err := parseArgs(fs, args, 1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("ps: usage: hull-oci ps [--format table|json] ID [PS_OPTIONS...]")
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	c, err := rt.Load(pos[0])
	if err != nil {
		return err
	}
	pids, err := c.Processes()
	if err != nil {
		return err
	}
	switch format {
	case "json":
		if pids == nil {
			pids = []int{}
		}
		return json.NewEncoder(os.Stdout).Encode(pids)
	case "table":
		return printPs(pids, pos[1:])
	default:
		return fmt.Errorf("ps: unknown --format %q (table or json)", format)
	}
}

func printPs(pids []int, psArgs []string) error {
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		return fmt.Errorf("running ps %s: %w", strings.Join(psArgs, " "), err)
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	pidCol := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			pidCol = i
		}
	}
	if pidCol < 0 {
		return fmt.Errorf("ps: the output of ps %s has no PID column", strings.Join(psArgs, " "))
	}
	want := make(map[int]bool, len(pids))
	for _, p := range pids {
		want[p] = true
	}
	var buf bytes.Buffer
	buf.WriteString(lines[0] + "\n")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > pidCol {
			if p, err := strconv.Atoi(f[pidCol]); err == nil && want[p] {
				buf.WriteString(l + "\n")
			}
		}
	}
	_, err = os.Stdout.Write(buf.Bytes())
	return err
}
