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
	lowers := make([]string, len(ids))
	for i, id := range ids {
		lowers[i] = s.fsDir(id)
	}
	return []specs.Mount{{
		Type:   "overlay",
		Source: "overlay",
		Options: []string{
			"workdir=" + filepath.Join(s.dir(r.ID), "work"),
			"upperdir=" + s.fsDir(r.ID),
			"lowerdir=" + strings.Join(lowers, ":"),
		},
	}}, nil
}

func (s *Store) viewMounts(r *record, ids []string) []specs.Mount {
	switch {
	case len(ids) == 0:
		return []specs.Mount{bindMount(s.fsDir(r.ID), true)}
	case len(ids) == 1 || s.driver == DriverCopy:
		// A copy store's parent already holds the whole tree.
		return []specs.Mount{bindMount(s.fsDir(ids[0]), true)}
	}
	lowers := make([]string, len(ids))
	for i, id := range ids {
		lowers[i] = s.fsDir(id)
	}
	return []specs.Mount{{
		Type:    "overlay",
		Source:  "overlay",
		Options: []string{"ro", "lowerdir=" + strings.Join(lowers, ":")},
	}}
}

func bindMount(dir string, ro bool) specs.Mount {
	mode := "rw"
	if ro {
		mode = "ro"
	}
	return specs.Mount{Type: "bind", Source: dir, Options: []string{"rbind", mode}}
}
