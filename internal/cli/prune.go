package cli

import (
	"context"
	"fmt"
	"text/tabwriter"
)

// runPrune frees what no image uses. Like docker it asks first unless -f;
// with no terminal to ask on, the answer is no.
func runPrune(ctx context.Context, e *env, args []string) error {
	var force, all bool
	fs := e.newFlags("image prune")
	fs.Bool(&force, "f", "force", "Do not prompt for confirmation")
	fs.Bool(&all, "a", "all", "Remove all images not used by a container")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("image prune: accepts no arguments")
	}
	if !force && !e.confirm(all) {
		return fmt.Errorf("image prune cancelled (no terminal to confirm on; use -f)")
	}
	svc, err := e.images()
	if err != nil {
		return err
	}
	if all {
		if err := untagAll(ctx, e); err != nil {
			return err
		}
	}
	res, err := svc.Prune(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Total reclaimed space: %s\n", humanSize(res.Bytes))
	return nil
}

// confirm shows docker's warning and reads y or N from a terminal.
func (e *env) confirm(all bool) bool {
	what := "all dangling images"
	if all {
		what = "all images without at least one container associated to them"
	}
	return e.ask("WARNING! This will remove " + what + ".")
}

// untagAll removes every image no container uses, for prune -a; images a
// container is built on are kept.
func untagAll(ctx context.Context, e *env) error {
	svc, _ := e.images()
	recs, err := svc.List(ctx)
	if err != nil {
		return err
	}
	header := false
	for _, rec := range recs {
		if svc.Remove(ctx, rec.Name, false) != nil {
			continue
		}
		if !header {
			fmt.Fprintln(e.stdout, "Deleted Images:")
			header = true
		}
		fmt.Fprintf(e.stdout, "untagged: %s\n", familiar(rec.Name))
	}
	return nil
}

// runDF prints `docker system df`'s table for what hull stores so far:
// images (their blobs and unpacked layers).
func runDF(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("system df").parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("system df: accepts no arguments")
	}
	svc, err := e.images()
	if err != nil {
		return err
	}
	u, err := svc.DiskUsage(ctx)
	if err != nil {
		return err
	}
	size := u.ContentSize + u.SnapshotsSize
	pct := 0
	if size > 0 {
		pct = int(100 * u.Reclaimable / size)
	}
	tw := tabwriter.NewWriter(e.stdout, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "TYPE\tTOTAL\tACTIVE\tSIZE\tRECLAIMABLE")
	fmt.Fprintf(tw, "Images\t%d\t%d\t%s\t%s (%d%%)\n", u.Images, 0, humanSize(size), humanSize(u.Reclaimable), pct)
	b, err := e.builder()
	if err != nil {
		return err
	}
	bu, err := b.DiskUsage(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(tw, "Build Cache\t%d\t0\t%s\t%s\n", bu.Entries, humanSize(bu.Size), humanSize(bu.Size))
	return tw.Flush()
}
