package engine

import (
	"context"
	"fmt"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/images"
)

// CommitOptions tune Commit, as `docker commit` flags do.
type CommitOptions struct {
	images.CommitOptions
	// Pause freezes a running container while its changes are read, so
	// the layer is consistent (Docker's default).
	Pause bool
}

// Commit makes an image from a container's changes: the image it was created
// from plus one layer holding what the container wrote. ref may be empty for
// an image known only by its ID.
func (e *Engine) Commit(ctx context.Context, ref, name string, opts CommitOptions) (image.Image, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return image.Image{}, err
	}
	if !c.Rootfs {
		return image.Image{}, fmt.Errorf("container %s has no root filesystem: %w", c.ID, errdefs.ErrConflict)
	}
	st := e.status(c)
	if opts.Pause && st.Running && !st.Paused {
		if err := e.Pause(c.ID); err != nil {
			return image.Image{}, err
		}
		defer e.Unpause(c.ID)
	}
	img, err := e.images.Commit(ctx, c.ID, name, opts.CommitOptions)
	if err != nil {
		return image.Image{}, err
	}
	e.emit(c, "commit", map[string]string{"imageID": img.ID.String()})
	return img, nil
}
