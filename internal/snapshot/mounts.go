package snapshot

import (
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// mounts describes how to show an active snapshot or a view. Only active
// snapshots are written to, so a view never needs an upper directory: it is
// a read-only bind of its single parent or a read-only overlay of its chain.
func (s *Store) mounts(md *metadata, r *record) ([]specs.Mount, error) {
	ids, err := md.chain(r.Parent)
	if err != nil {
		return nil, err
	}
	if r.Kind == KindView {
		return s.viewMounts(r, ids), nil
	}
	if len(ids) == 0 || s.driver == DriverCopy {
		return []specs.Mount{bindMount(s.fsDir(r.ID), false)}, nil
	}
	return []specs.Mount{overlayMount(s.fsDir(r.ID), filepath.Join(s.dir(r.ID), "work"), s.fsDirs(ids))}, nil
}

// overlayMount shows lowers (nearest first) with writes going to upper.
// Directory redirects and metadata-only copy-up stay off whatever the
// kernel's defaults: their changes have no tar form, so an upper dir made
// with them could not be turned into a layer (archive.DiffOverlay).
func overlayMount(upper, work string, lowers []string) specs.Mount {
	return specs.Mount{
		Type:   "overlay",
		Source: "overlay",
		Options: []string{
			"workdir=" + work,
			"upperdir=" + upper,
			"lowerdir=" + strings.Join(lowers, ":"),
			"redirect_dir=off",
			"metacopy=off",
		},
	}
}

func (s *Store) fsDirs(ids []string) []string {
	dirs := make([]string, len(ids))
	for i, id := range ids {
		dirs[i] = s.fsDir(id)
	}
	return dirs
}

func (s *Store) viewMounts(r *record, ids []string) []specs.Mount {
	switch {
	case len(ids) == 0:
		return []specs.Mount{bindMount(s.fsDir(r.ID), true)}
	case len(ids) == 1 || s.driver == DriverCopy:
		// A copy store's parent already holds the whole tree.
		return []specs.Mount{bindMount(s.fsDir(ids[0]), true)}
	}
	return []specs.Mount{{
		Type:    "overlay",
		Source:  "overlay",
		Options: []string{"ro", "lowerdir=" + strings.Join(s.fsDirs(ids), ":")},
	}}
}

func bindMount(dir string, ro bool) specs.Mount {
	mode := "rw"
	if ro {
		mode = "ro"
	}
	return specs.Mount{Type: "bind", Source: dir, Options: []string{"rbind", mode}}
}
