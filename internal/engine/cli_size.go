package engine

import (
	"context"
	"fmt"

	"github.com/hullrt/hull/internal/snapshot"
)

// Size returns the disk space of a container's root filesystem, as `docker
// ps -s` and `docker inspect -s` show it: rw is what the container wrote
// (its writable snapshot), rootfs that plus the image's layers under it.
func (e *Engine) Size(ctx context.Context, ref string) (rw, rootfs int64, err error) {
	return e.Sizer().Size(ctx, ref)
}

// Sizer measures the root filesystems of several containers, each image
// layer once however many containers share it (ps -s of a hundred
// containers of one image measures the image once, not a hundred times).
type Sizer struct {
	e       *Engine
	parents map[string]string // snapshot key: its parent's, read once
	layers  map[string]int64  // committed snapshot key: its usage
}

// Sizer returns a Sizer; it remembers what it read for its own lifetime,
// meant to be one command.
func (e *Engine) Sizer() *Sizer {
	return &Sizer{e: e, layers: map[string]int64{}}
}

// Size is Engine.Size, with the image layers measured at most once.
func (s *Sizer) Size(ctx context.Context, ref string) (rw, rootfs int64, err error) {
	c, err := s.e.Lookup(ref)
	if err != nil {
		return 0, 0, err
	}
	if !c.Rootfs {
		return 0, 0, nil
	}
	snaps := s.e.images.Snapshots()
	if s.parents == nil {
		s.parents = map[string]string{}
		err := snaps.Walk(ctx, func(info snapshot.Info) error {
			s.parents[info.Name] = info.Parent
			return nil
		})
		if err != nil {
			return 0, 0, fmt.Errorf("size of %s: %w", c.Name, err)
		}
	}
	for key := c.ID; key != ""; key = s.parents[key] {
		size, known := s.layers[key]
		if !known {
			u, err := snaps.Usage(ctx, key)
			if err != nil {
				return 0, 0, fmt.Errorf("size of %s: %w", c.Name, err)
			}
			size = u.Size
		}
		if key == c.ID {
			rw = size
		} else {
			s.layers[key] = size
		}
		rootfs += size
	}
	return rw, rootfs, nil
}
