package engine

import (
	"context"
	"fmt"
)

// Size returns the disk space of a container's root filesystem, as `docker
// ps -s` and `docker inspect -s` show it: rw is what the container wrote
// (its writable snapshot), rootfs that plus the image's layers under it.
func (e *Engine) Size(ctx context.Context, ref string) (rw, rootfs int64, err error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return 0, 0, err
	}
	if !c.Rootfs {
		return 0, 0, nil
	}
	snaps := e.images.Snapshots()
	for key := c.ID; key != ""; {
		u, err := snaps.Usage(ctx, key)
		if err != nil {
			return 0, 0, fmt.Errorf("size of %s: %w", c.Name, err)
		}
		if key == c.ID {
			rw = u.Size
		}
		rootfs += u.Size
		info, err := snaps.Stat(ctx, key)
		if err != nil {
			return 0, 0, fmt.Errorf("size of %s: %w", c.Name, err)
		}
		key = info.Parent
	}
	return rw, rootfs, nil
}
