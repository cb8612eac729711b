package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// PruneOptions select what Prune removes, as `volume prune` does.
type PruneOptions struct {
	// All includes named volumes; without it only anonymous ones go, as
	// in Docker 23+.
	All bool
	// Labels: "KEY" or "KEY=VALUE", every one of which must match.
	Labels []string
	// NotLabels: "KEY" or "KEY=VALUE", none of which may match.
	NotLabels []string
}

// ParsePruneFilter reads `volume prune --filter` arguments: label=,
// label!=, all=true|false.
func ParsePruneFilter(args []string) (PruneOptions, error) {
	var o PruneOptions
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return o, fmt.Errorf("bad format of filter (expected name=value): %w", errdefs.ErrInvalidArgument)
		}
		switch k {
		case "label":
			o.Labels = append(o.Labels, v)
		case "label!":
			o.NotLabels = append(o.NotLabels, v)
		case "all":
			b, err := parseBool("all", v)
			if err != nil {
				return o, err
			}
			o.All = b
		default:
			return o, fmt.Errorf("invalid filter '%s': %w", k, errdefs.ErrInvalidArgument)
		}
	}
	return o, nil
}

// PruneReport is what Prune removed.
type PruneReport struct {
	VolumesDeleted []string
	SpaceReclaimed uint64 // the removed volumes' Usage
}

// Prune removes every volume the options select that no container uses,
// and what killed hull processes left in the store. A volume that gains a
// user or disappears while Prune runs is skipped. Cancelling ctx stops
// Prune between volumes, with the report of what it removed so far.
func (s *Store) Prune(ctx context.Context, opts PruneOptions) (PruneReport, error) {
	var rep PruneReport
	s.cleanStore()
	all, err := s.List(ListFilter{Labels: opts.Labels})
	if err != nil {
		return rep, err
	}
	for _, v := range all {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if !opts.All && !v.Anonymous() || anyLabel(v.Labels, opts.NotLabels) {
			continue
		}
		size, removed, err := s.pruneOne(v.Name)
		if err != nil {
			return rep, err
		}
		if removed {
			rep.VolumesDeleted = append(rep.VolumesDeleted, v.Name)
			rep.SpaceReclaimed += uint64(size)
		}
	}
	return rep, nil
}

// pruneOne removes the volume if nobody uses it, reporting its size.
func (s *Store) pruneOne(name string) (int64, bool, error) {
	l, err := s.lock(name)
	if errdefs.IsNotFound(err) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	defer l.unlock()
	users, err := l.users()
	if err != nil || len(users) > 0 {
		return 0, false, err
	}
	size, err := s.Usage(name)
	if err != nil {
		return 0, false, err
	}
	if err := l.remove(); errors.Is(err, errdefs.ErrConflict) {
		return 0, false, nil // in use after all, or something mounted in it
	} else if err != nil {
		return 0, false, err
	}
	return size, true, nil
}

// cleanStore deletes the leftovers of killed processes: abandoned .tmp-*
// and .trash-* directories and directories without volume.json.
func (s *Store) cleanStore() {
	f, err := s.openRootLock()
	if err != nil {
		return
	}
	defer f.Close()
	exclusive, _ := tryFlock(int(f.Fd()), unix.LOCK_EX)
	s.cleanAbandoned(exclusive)
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && validName(e.Name()) {
			if _, err := readRecord(s.dir(e.Name())); errdefs.IsNotFound(err) {
				s.cleanGarbage(e.Name())
			}
		}
	}
}

// anyLabel reports whether labels satisfy any of the "KEY" or "KEY=VALUE".
func anyLabel(labels map[string]string, which []string) bool {
	for _, w := range which {
		if hasLabels(labels, []string{w}) {
			return true
		}
	}
	return false
}
