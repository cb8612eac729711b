package cli

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/hullrt/hull/internal/images"
)

// imageFilter is `hull images --filter`: reference=PATTERN (a shell glob
// on repository or repository:tag, as Docker), label=KEY[=VALUE],
// before=IMAGE, since=IMAGE and dangling=true|false. Within one key any
// value may match; every key must.
type imageFilter struct {
	refs, labels  []string
	before, since *time.Time
	dangling      *bool
}

func parseImageFilters(ctx context.Context, svc *images.Service, args []string) (*imageFilter, error) {
	f := &imageFilter{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return nil, fmt.Errorf("bad format of filter (expected name=value)")
		}
		switch k {
		case "reference":
			if _, err := path.Match(v, ""); err != nil {
				return nil, fmt.Errorf("invalid reference filter %q: %w", v, err)
			}
			f.refs = append(f.refs, v)
		case "label":
			f.labels = append(f.labels, v)
		case "before", "since":
			img, err := lookup(ctx, svc, v)
			if err != nil {
				return nil, err
			}
			d, err := describe(ctx, svc, img)
			if err != nil {
				return nil, err
			}
			c := d.created()
			if k == "before" {
				f.before = &c
			} else {
				f.since = &c
			}
		case "dangling":
			b := v == "true" || v == "1"
			if !b && v != "false" && v != "0" {
				return nil, fmt.Errorf("invalid filter 'dangling=%s'", v)
			}
			f.dangling = &b
		default:
			return nil, fmt.Errorf("invalid filter '%s'", k)
		}
	}
	return f, nil
}

// match reports whether the described image passes every filter. hull
// keeps no untagged images, so nothing is dangling.
func (f *imageFilter) match(d described) bool {
	repo, tag := repoTag(d.rec.Name)
	if len(f.refs) > 0 && !anyMatch(f.refs, func(p string) bool {
		m1, _ := path.Match(p, repo)
		m2, _ := path.Match(p, repo+":"+tag)
		return m1 || m2
	}) {
		return false
	}
	for _, l := range f.labels {
		k, v, hasValue := strings.Cut(l, "=")
		got, ok := d.config.Config.Labels[k]
		if !ok || hasValue && got != v {
			return false
		}
	}
	c := d.created()
	if f.before != nil && !c.Before(*f.before) || f.since != nil && !c.After(*f.since) {
		return false
	}
	return f.dangling == nil || !*f.dangling
}

func anyMatch(vs []string, ok func(string) bool) bool {
	for _, v := range vs {
		if ok(v) {
			return true
		}
	}
	return false
}
