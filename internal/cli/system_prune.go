package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/hullrt/hull/internal/network"
	"github.com/hullrt/hull/internal/volume"
)

// runSystemPrune is `hull system prune [-a] [--volumes] [-f]`: stopped
// containers, networks no container uses, then (with --volumes) anonymous
// volumes no container uses, then the build cache and the image data no
// image needs (with -a, every image no container uses). Like Docker it
// asks first unless -f.
func runSystemPrune(ctx context.Context, e *env, args []string) error {
	var force, all, volumes bool
	fs := e.newFlags("system prune")
	fs.Bool(&force, "f", "force", "Do not prompt for confirmation")
	fs.Bool(&all, "a", "all", "Remove all unused images not just dangling ones")
	fs.Bool(&volumes, "", "volumes", "Prune anonymous volumes")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("system prune: accepts no arguments")
	}
	if !force && !e.confirm(all) {
		return fmt.Errorf("system prune cancelled (no terminal to confirm on; use -f)")
	}
	return systemPrune(ctx, e, all, volumes)
}

// systemPrune prunes, in Docker's order, what `system prune` covers and
// prints what went.
func systemPrune(ctx context.Context, e *env, all, volumes bool) error {
	eng, err := e.engine()
	if err != nil {
		return err
	}
	crep, err := eng.Prune(ctx, nil)
	if err != nil {
		return docker(err)
	}
	listDeleted(e.stdout, "Containers", crep.ContainersDeleted)
	ns, err := e.networks()
	if err != nil {
		return err
	}
	gone, err := ns.Prune(func(*network.Network) bool { return true })
	if err != nil {
		return docker(err)
	}
	listDeleted(e.stdout, "Networks", gone)
	var reclaimed int64
	if volumes {
		vrep, err := eng.Volumes().Prune(ctx, volume.PruneOptions{})
		if err != nil {
			return docker(err)
		}
		listDeleted(e.stdout, "Volumes", vrep.VolumesDeleted)
		reclaimed += int64(vrep.SpaceReclaimed)
	}
	if all {
		if err := untagAll(ctx, e); err != nil {
			return err
		}
	}
	b, err := e.builder()
	if err != nil {
		return err
	}
	bres, err := b.Prune(ctx, all)
	if err != nil {
		return err
	}
	if bres.Entries > 0 {
		fmt.Fprintf(e.stdout, "Deleted build cache objects: %d\n", bres.Entries)
	}
	res, err := eng.Images().Prune(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Total reclaimed space: %s\n", humanSize(reclaimed+bres.Bytes+res.Bytes))
	return nil
}

// listDeleted lists what a prune removed under Docker's "Deleted KIND:"
// header and a blank line, or nothing when nothing went.
func listDeleted(w io.Writer, kind string, names []string) {
	if len(names) == 0 {
		return
	}
	fmt.Fprintf(w, "Deleted %s:\n", kind)
	for _, n := range names {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w)
}
