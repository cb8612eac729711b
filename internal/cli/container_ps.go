package cli

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/hullrt/hull/internal/engine"
)

// psOptions are `hull ps`'s flags.
type psOptions struct {
	all, quiet, noTrunc, latest, size bool
	last                              int
	filters                           []string
	format                            string
}

// psRow is one line of `hull ps`, with Docker's field names so --format
// templates written for docker work unchanged.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, State, Status string
	Size, Names, Labels, Mounts, Networks, LocalVolumes             string
}

var psHeaders = map[string]string{
	"ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
	"RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
	"Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS",
	"LocalVolumes": "LOCAL VOLUMES",
}

// runPs is `hull ps`: the running containers (all with -a), newest first.
func runPs(ctx context.Context, e *env, args []string) error {
	o := psOptions{last: -1}
	fs := e.newFlags("ps")
	fs.Bool(&o.all, "a", "all", "Show all containers (default shows just running)")
	fs.Bool(&o.quiet, "q", "quiet", "Only display container IDs")
	fs.Bool(&o.noTrunc, "", "no-trunc", "Don't truncate output")
	fs.Bool(&o.latest, "l", "latest", "Show the latest created container (includes all states)")
	fs.Int(&o.last, "n", "last", "Show n last created containers (includes all states)")
	fs.Bool(&o.size, "s", "size", "Display total file sizes")
	fs.Strings(&o.filters, "f", "filter", "Filter output based on conditions provided")
	fs.String(&o.format, "", "format", "Format output using a Go template")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"ps" accepts no arguments`)
	}
	return listContainers(ctx, e, o)
}

func listContainers(ctx context.Context, e *env, o psOptions) error {
	f, err := filterMap(o.filters)
	if err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	if o.latest {
		o.last = 1
	}
	list, err := eng.List(engine.ListOptions{All: o.all || o.last > 0, Filters: f})
	if err != nil {
		return docker(err)
	}
	if o.last >= 0 && len(list) > o.last {
		list = list[:o.last]
	}
	t, err := newTable(e.stdout, psFormat(o), psHeaders)
	if err != nil {
		return err
	}
	sizer := eng.Sizer()
	for _, s := range list {
		row := newPsRow(s, !o.noTrunc)
		if o.size {
			row.Size = sizeColumn(ctx, sizer, s.ID)
		}
		if err := t.row(row); err != nil {
			return err
		}
	}
	return t.flush()
}

// psFormat is Docker's default table, or what -q, -s and --format ask for.
func psFormat(o psOptions) string {
	switch {
	case o.quiet:
		return "{{.ID}}"
	case o.format == "json":
		return "{{json .}}"
	case o.format != "":
		return o.format
	case o.size:
		return "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
	}
	return "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
}

func newPsRow(s container.Summary, trunc bool) psRow {
	r := psRow{
		ID: s.ID, Image: s.Image, Command: s.Command, State: string(s.State), Status: s.Status,
		CreatedAt:  time.Unix(s.Created, 0).Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: engine.HumanDuration(time.Since(time.Unix(s.Created, 0))) + " ago",
		Networks:   s.HostConfig.NetworkMode,
	}
	if r.Networks == "" || r.Networks == "default" {
		r.Networks = "none"
	}
	if s.NetworkSettings != nil && len(s.NetworkSettings.Networks) > 0 {
		r.Networks = strings.Join(slices.Sorted(maps.Keys(s.NetworkSettings.Networks)), ",")
	}
	r.Ports = portsColumn(s.Ports)
	if trunc {
		r.ID = r.ID[:min(12, len(r.ID))]
		r.Command = ellipsis(r.Command, 20)
		if h, ok := strings.CutPrefix(r.Image, "sha256:"); ok && len(h) > 12 {
			r.Image = h[:12]
		}
	}
	r.Command = strconv.Quote(r.Command)
	var names []string
	for _, n := range s.Names {
		names = append(names, strings.TrimPrefix(n, "/"))
	}
	r.Names = strings.Join(names, ",")
	var labels, mounts []string
	for k, v := range s.Labels {
		labels = append(labels, k+"="+v)
	}
	slices.Sort(labels)
	r.Labels = strings.Join(labels, ",")
	local := 0
	for _, m := range s.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		if trunc {
			name = ellipsis(name, 15)
		}
		mounts = append(mounts, name)
		if m.Driver == "local" {
			local++
		}
	}
	r.Mounts, r.LocalVolumes = strings.Join(mounts, ","), strconv.Itoa(local)
	return r
}

// sizeColumn is ps -s's SIZE: the container's writable layer, and with the
// image under it.
func sizeColumn(ctx context.Context, sizer *engine.Sizer, id string) string {
	rw, rootfs, err := sizer.Size(ctx, id)
	if err != nil {
		return "N/A"
	}
	return fmt.Sprintf("%s (virtual %s)", humanSize(rw), humanSize(rootfs))
}
