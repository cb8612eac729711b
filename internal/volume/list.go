package volume

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// ListFilter selects volumes, as `volume ls --filter` does. Values of one
// key are alternatives, except labels, which must all match; the zero
// filter selects every volume.
type ListFilter struct {
	// Names: the name equals one, or one read as a regular expression
	// matches part of it (so "name=db" finds "db-data").
	Names []string
	// Drivers, matched like Names.
	Drivers []string
	// Labels: "KEY" (present, any value) or "KEY=VALUE".
	Labels []string
	// Dangling, when set, keeps only volumes no container uses (true) or
	// only volumes in use (false).
	Dangling *bool
}

// ParseListFilter reads `--filter` arguments: name=, driver=, label=,
// dangling=true|false.
func ParseListFilter(args []string) (ListFilter, error) {
	var f ListFilter
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return f, fmt.Errorf("bad format of filter (expected name=value): %w", errdefs.ErrInvalidArgument)
		}
		switch k {
		case "name":
			f.Names = append(f.Names, v)
		case "driver":
			f.Drivers = append(f.Drivers, v)
		case "label":
			f.Labels = append(f.Labels, v)
		case "dangling":
			b, err := parseBool("dangling", v)
			if err != nil {
				return f, err
			}
			f.Dangling = &b
		default:
			return f, fmt.Errorf("invalid filter '%s': %w", k, errdefs.ErrInvalidArgument)
		}
	}
	return f, nil
}

func parseBool(key, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid filter '%s=%s': %w", key, v, errdefs.ErrInvalidArgument)
}

// List returns the volumes the filter selects, sorted by name. Entries of
// the root that are not whole volumes are skipped.
func (s *Store) List(filter ListFilter) ([]*Volume, error) {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return nil, fmt.Errorf("listing volumes: %w", err)
	}
	var out []*Volume
	for _, e := range entries {
		if !e.IsDir() || !validName(e.Name()) {
			continue
		}
		rec, err := readRecord(s.dir(e.Name()))
		if errdefs.IsNotFound(err) {
			continue // removed meanwhile, or never whole
		}
		if err != nil {
			return nil, err
		}
		ok, err := s.matches(rec, filter)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s.volume(rec))
		}
	}
	slices.SortFunc(out, func(a, b *Volume) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *Store) matches(rec *record, f ListFilter) (bool, error) {
	if len(f.Names) > 0 && !slices.ContainsFunc(f.Names, func(p string) bool { return match(p, rec.Name) }) {
		return false, nil
	}
	if len(f.Drivers) > 0 && !slices.ContainsFunc(f.Drivers, func(p string) bool { return match(p, rec.Driver) }) {
		return false, nil
	}
	if !hasLabels(rec.Labels, f.Labels) {
		return false, nil
	}
	if f.Dangling != nil {
		users, err := readUsers(s.dir(rec.Name))
		if errdefs.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if (len(users) == 0) != *f.Dangling {
			return false, nil
		}
	}
	return true, nil
}

// match is Docker's filter match: equal, or the pattern as a regular
// expression matches; a pattern that does not compile matches only itself.
func match(pattern, s string) bool {
	if pattern == s {
		return true
	}
	ok, err := regexp.MatchString(pattern, s)
	return err == nil && ok
}

// hasLabels reports whether labels satisfy every "KEY" or "KEY=VALUE".
func hasLabels(labels map[string]string, want []string) bool {
	for _, w := range want {
		k, v, withValue := strings.Cut(w, "=")
		have, ok := labels[k]
		if !ok || withValue && have != v {
			return false
		}
	}
	return true
}
