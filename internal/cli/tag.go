package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/images"
)

// runTag gives an image another name: a new record with the same target.
func runTag(ctx context.Context, e *env, args []string) error {
	pos, err := e.newFlags("tag").parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("tag: requires exactly 2 arguments, got %d", len(pos))
	}
	dst, err := image.ParseNormalized(pos[1])
	if err != nil {
		return err
	}
	svc, err := e.images()
	if err != nil {
		return err
	}
	src, err := lookup(ctx, svc, pos[0])
	if err != nil {
		return err
	}
	_, err = svc.Records().Put(ctx, image.Image{Name: dst.String(), Target: src.Target, ID: src.ID})
	return err
}

// rmiOptions are `hull rmi`'s flags.
type rmiOptions struct{ force bool }

// runRmi removes each image named, printing docker's "Untagged:" and
// "Deleted:" lines. Like docker it goes on after a failure and reports
// the failures at the end.
func runRmi(ctx context.Context, e *env, args []string) error {
	var o rmiOptions
	fs := e.newFlags("rmi")
	fs.Bool(&o.force, "f", "force", "Force removal of the image")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("rmi: requires at least 1 argument")
	}
	svc, err := e.images()
	if err != nil {
		return err
	}
	var errs []error
	for _, key := range pos {
		if err := removeImage(ctx, e, svc, key, o); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeImage removes what key names: one name, or by ID every name of the
// image (which docker asks -f for when there are several).
func removeImage(ctx context.Context, e *env, svc *images.Service, key string, o rmiOptions) error {
	recs, err := namesFor(ctx, svc, key)
	if err != nil {
		return err
	}
	if len(recs) > 1 && !o.force {
		return fmt.Errorf("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", key)
	}
	for _, rec := range recs {
		if err := svc.Remove(ctx, rec.Name, o.force); err != nil {
			if errors.Is(err, errdefs.ErrConflict) {
				return fmt.Errorf("conflict: unable to remove %s: %w", key, err)
			}
			return err
		}
		fmt.Fprintf(e.stdout, "Untagged: %s\n", familiar(rec.Name))
	}
	return printDeleted(ctx, e, svc, recs[0])
}

// namesFor returns the record key names if it is a name, else every record
// of the image key identifies.
func namesFor(ctx context.Context, svc *images.Service, key string) ([]image.Image, error) {
	if rec, err := svc.Records().Get(ctx, key); err == nil {
		return []image.Image{rec}, nil
	}
	recs, err := svc.Records().Lookup(ctx, key)
	if errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("no such image: %s", key)
	}
	return recs, err
}

// printDeleted says "Deleted: sha256:…" once no name is left for the image.
func printDeleted(ctx context.Context, e *env, svc *images.Service, gone image.Image) error {
	all, err := svc.List(ctx)
	if err != nil {
		return err
	}
	for _, rec := range all {
		if rec.Target.Digest == gone.Target.Digest {
			return nil
		}
	}
	id := gone.ID
	if id == "" {
		id = gone.Target.Digest
	}
	fmt.Fprintf(e.stdout, "Deleted: %s\n", id)
	return nil
}
