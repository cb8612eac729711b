package events

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// Filter selects events as Docker's `events --filter` does. Values given
// for one key are alternatives (any may match); different keys must all
// match, and so must every label given. The zero Filter matches every
// event.
//
//	type=container|image|volume|network
//	event=start (or action=start)    the Action; a bare "exec_start" or
//	                                 "health_status" also matches
//	                                 "exec_start: sh" and the like
//	container=web                    a container's id (or its prefix) or name
//	image=busybox                    an image event's image, or the image a
//	                                 container event's container runs
//	label=com.example.role[=db]      an attribute (labels are attributes)
//	volume=data, network=br0         id (or prefix) or name, as container=
type Filter struct {
	values map[string][]string
}

// filterKeys are the keys ParseFilters accepts; "action" is hull's alias
// for Docker's "event".
var filterKeys = []string{"container", "event", "image", "label", "network", "type", "volume"}

// ParseFilters reads "key=value" strings. An unknown key or a string
// without "=" is an errdefs.ErrInvalidArgument error saying which.
func ParseFilters(args []string) (Filter, error) {
	f := Filter{values: map[string][]string{}}
	for _, a := range args {
		key, value, ok := strings.Cut(a, "=")
		if !ok {
			return Filter{}, fmt.Errorf("bad format of filter %q (expected name=value): %w", a, errdefs.ErrInvalidArgument)
		}
		key = strings.ToLower(strings.TrimSpace(key))
		if key == "action" {
			key = "event"
		}
		if !slices.Contains(filterKeys, key) {
			return Filter{}, fmt.Errorf("invalid filter %q (valid: %s): %w",
				key, strings.Join(append(filterKeys, "action"), ", "), errdefs.ErrInvalidArgument)
		}
		f.values[key] = append(f.values[key], value)
	}
	return f, nil
}

// Match reports whether e passes the filter.
func (f Filter) Match(e Event) bool {
	return f.matchAction(e.Action) &&
		f.any("type", func(v string) bool { return v == e.Type }) &&
		f.matchObject("container", TypeContainer, e) &&
		f.matchObject("volume", TypeVolume, e) &&
		f.matchObject("network", TypeNetwork, e) &&
		f.matchImage(e) &&
		f.matchLabels(e.Actor.Attributes)
}

// any is true when key is not filtered on, or when one of its values
// satisfies ok.
func (f Filter) any(key string, ok func(v string) bool) bool {
	vs, filtered := f.values[key]
	return !filtered || slices.ContainsFunc(vs, ok)
}

// prefixed actions: Docker matches "exec_start" against "exec_start: sh"
// because the action carries the command.
var prefixed = []string{"exec_create", "exec_start", "health_status"}

func (f Filter) matchAction(action string) bool {
	return f.any("event", func(v string) bool {
		return v == action || slices.Contains(prefixed, v) && strings.HasPrefix(action, v)
	})
}

// matchObject matches a container, volume or network filter against the
// event's actor: its id or a prefix of it, or its name. Events of other
// kinds never match such a filter.
func (f Filter) matchObject(key, typ string, e Event) bool {
	return f.any(key, func(v string) bool {
		if e.Type != typ || v == "" {
			return false
		}
		return strings.HasPrefix(e.Actor.ID, v) || v == e.Actor.Attributes["name"]
	})
}

// matchImage matches an image event's own image, and a container event's
// image, so that `--filter image=busybox` shows what its containers did
// too. "busybox" matches "busybox:latest" and "docker.io/library/busybox".
func (f Filter) matchImage(e Event) bool {
	name := e.Actor.Attributes["image"]
	if e.Type == TypeImage {
		name = e.Actor.Attributes["name"]
	}
	return f.any("image", func(v string) bool {
		for _, s := range []string{e.Actor.ID, name} {
			if s != "" && (v == s || v == familiarName(s)) {
				return true
			}
		}
		return false
	})
}

// familiarName is an image reference without tag, digest or the Docker
// Hub defaults: "docker.io/library/busybox:1.36" is "busybox". It is done
// by hand rather than with distribution/reference, whose regular
// expressions cost every monitor process a millisecond to compile at start.
func familiarName(s string) string {
	if strings.HasPrefix(s, "sha256:") {
		return s // an image id, not a name
	}
	if i := strings.IndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, ':'); i > strings.LastIndexByte(s, '/') {
		s = s[:i]
	}
	for _, hub := range []string{"docker.io/", "index.docker.io/", "registry-1.docker.io/"} {
		if rest, ok := strings.CutPrefix(s, hub); ok {
			s = rest
			break
		}
	}
	return strings.TrimPrefix(s, "library/")
}

// matchLabels requires every label filter: "key" needs the attribute,
// "key=value" needs that value.
func (f Filter) matchLabels(attrs map[string]string) bool {
	for _, l := range f.values["label"] {
		k, v, hasValue := strings.Cut(l, "=")
		got, ok := attrs[k]
		if !ok || hasValue && got != v {
			return false
		}
	}
	return true
}
