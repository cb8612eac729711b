package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	apivolume "github.com/moby/moby/api/types/volume"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/volume"
)

// volumeRow is one line of `hull volume ls`, with Docker's field names.
type volumeRow struct {
	Driver, Name, Mountpoint, Labels, Scope, CreatedAt string
}

var volumeHeaders = map[string]string{
	"Driver": "DRIVER", "Name": "VOLUME NAME", "Mountpoint": "MOUNTPOINT", "Labels": "LABELS",
	"Scope": "SCOPE", "CreatedAt": "CREATED",
}

// runVolumeCreate is `hull volume create [NAME]`: it prints the name,
// generated when none is given.
func runVolumeCreate(ctx context.Context, e *env, args []string) error {
	var name, driver string
	var opts, labels []string
	fs := e.newFlags("volume create")
	fs.String(&name, "", "name", "Specify volume name")
	fs.String(&driver, "d", "driver", `Specify volume driver name (default "local")`)
	fs.Strings(&opts, "o", "opt", "Set driver specific options")
	fs.Strings(&labels, "", "label", "Set metadata for a volume")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 1:
		return fmt.Errorf(`"volume create" requires at most 1 argument`)
	case len(pos) == 1 && name != "" && name != pos[0]:
		return fmt.Errorf("conflicting options: cannot specify a volume-name through both --name and as a positional arg")
	case len(pos) == 1:
		name = pos[0]
	}
	co := volume.CreateOptions{Name: name, Driver: driver}
	if co.Options, err = optionMap(opts, "opt"); err != nil {
		return err
	}
	if co.Labels, err = optionMap(labels, "label"); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	v, err := eng.Volumes().Create(co)
	if err != nil {
		return docker(err)
	}
	fmt.Fprintln(e.stdout, v.Name)
	return nil
}

// optionMap reads repeated key=value flags ("key" alone has an empty value).
func optionMap(list []string, flag string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, fmt.Errorf("invalid argument %q for \"--%s\" flag: empty key", kv, flag)
		}
		m[k] = v
	}
	return m, nil
}

// runVolumeLs is `hull volume ls`.
func runVolumeLs(ctx context.Context, e *env, args []string) error {
	var quiet bool
	var format string
	var filters []string
	fs := e.newFlags("volume ls")
	fs.Bool(&quiet, "q", "quiet", "Only display volume names")
	fs.String(&format, "", "format", "Format output using a Go template")
	fs.Strings(&filters, "f", "filter", `Provide filter values (e.g. "dangling=true")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"volume ls" accepts no arguments`)
	}
	f, err := volume.ParseListFilter(filters)
	if err != nil {
		return docker(err)
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	vols, err := eng.Volumes().List(f)
	if err != nil {
		return docker(err)
	}
	switch {
	case quiet:
		format = "{{.Name}}"
	case format == "json":
		format = "{{json .}}"
	case format == "":
		format = "table {{.Driver}}\t{{.Name}}"
	}
	t, err := newTable(e.stdout, format, volumeHeaders)
	if err != nil {
		return err
	}
	for _, v := range vols {
		if err := t.row(newVolumeRow(v)); err != nil {
			return err
		}
	}
	return t.flush()
}

func newVolumeRow(v *volume.Volume) volumeRow {
	var labels []string
	for k, val := range v.Labels {
		labels = append(labels, k+"="+val)
	}
	slices.Sort(labels)
	return volumeRow{Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Scope: v.Scope,
		Labels: strings.Join(labels, ","), CreatedAt: v.CreatedAt.Format(time.RFC3339)}
}

// runVolumeInspect is `hull volume inspect`.
func runVolumeInspect(ctx context.Context, e *env, args []string) error {
	o := inspectOptions{kind: "volume"}
	fs := e.newFlags("volume inspect")
	fs.String(&o.format, "f", "format", "Format output using a Go template")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return inspectObjects(ctx, e, "volume inspect", o, pos)
}

// inspectVolume is a volume in the Docker API's shape.
func inspectVolume(eng *engine.Engine, name string) (*apivolume.Volume, error) {
	v, err := eng.Volumes().Get(name)
	if err != nil {
		return nil, err
	}
	return &apivolume.Volume{
		Name: v.Name, Driver: v.Driver, Mountpoint: v.Mountpoint, Labels: v.Labels, Options: v.Options,
		Scope: v.Scope, CreatedAt: v.CreatedAt.Format(time.RFC3339),
	}, nil
}

// runVolumeRm is `hull volume rm`: a volume a container uses is refused,
// -f or not; -f only makes a missing volume no error, as in Docker.
func runVolumeRm(ctx context.Context, e *env, args []string) error {
	var force bool
	fs := e.newFlags("volume rm")
	fs.Bool(&force, "f", "force", "Force the removal of one or more volumes")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := needArgs("volume rm", 1, pos); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	return e.forEach(pos, true, func(name string) error {
		err := eng.Volumes().Remove(name)
		if force && errdefs.IsNotFound(err) {
			return nil
		}
		return err
	})
}

// runVolumePrune is `hull volume prune`: anonymous volumes no container
// uses, or with -a every unused volume.
func runVolumePrune(ctx context.Context, e *env, args []string) error {
	var force, all bool
	var filters []string
	fs := e.newFlags("volume prune")
	fs.Bool(&force, "f", "force", "Do not prompt for confirmation")
	fs.Bool(&all, "a", "all", "Remove all unused volumes, not just anonymous ones")
	fs.Strings(&filters, "", "filter", `Provide filter values (e.g. "label=<label>")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"volume prune" accepts no arguments`)
	}
	po, err := volume.ParsePruneFilter(filters)
	if err != nil {
		return docker(err)
	}
	po.All = po.All || all
	what := "anonymous local volumes"
	if po.All {
		what = "all local volumes"
	}
	if !force && !e.ask("WARNING! This will remove "+what+" not used by at least one container.") {
		return fmt.Errorf("volume prune cancelled (no terminal to confirm on; use -f)")
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	rep, err := eng.Volumes().Prune(ctx, po)
	if err != nil {
		return docker(err)
	}
	listDeleted(e.stdout, "Volumes", rep.VolumesDeleted)
	fmt.Fprintf(e.stdout, "Total reclaimed space: %s\n", humanSize(int64(rep.SpaceReclaimed)))
	return nil
}
