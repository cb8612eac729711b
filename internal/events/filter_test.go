package events

import (
	"errors"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestFilterMatch(t *testing.T) {
	web := Event{Type: TypeContainer, Action: "start", Actor: Actor{ID: "4fc0a1", Attributes: map[string]string{
		"name": "web", "image": "docker.io/library/busybox:latest", "com.example.role": "front", "tier": "1"}}}
	execStart := Event{Type: TypeContainer, Action: "exec_start: sh -c ls", Actor: Actor{ID: "4fc0a1", Attributes: map[string]string{"name": "web"}}}
	img := Event{Type: TypeImage, Action: "pull", Actor: Actor{ID: "busybox:latest", Attributes: map[string]string{"name": "busybox:latest"}}}
	imgByID := Event{Type: TypeImage, Action: "delete", Actor: Actor{ID: "sha256:ab12"}}
	vol := Event{Type: TypeVolume, Action: "mount", Actor: Actor{ID: "data", Attributes: map[string]string{"container": "4fc0a1"}}}
	net := Event{Type: TypeNetwork, Action: "connect", Actor: Actor{ID: "e1d2", Attributes: map[string]string{"name": "br0", "container": "4fc0a1"}}}

	for _, tc := range []struct {
		filters []string
		e       Event
		want    bool
	}{
		{nil, web, true},
		{[]string{"type=container"}, web, true},
		{[]string{"type=image"}, web, false},
		{[]string{"type=image", "type=container"}, web, true},
		{[]string{"event=start"}, web, true},
		{[]string{"action=start"}, web, true},
		{[]string{"event=stop"}, web, false},
		{[]string{"event=stop", "event=start"}, web, true},
		{[]string{"event=exec_start"}, execStart, true},
		{[]string{"event=exec_start: sh -c ls"}, execStart, true},
		{[]string{"event=sta"}, web, false},
		{[]string{"container=web"}, web, true},
		{[]string{"container=4fc"}, web, true},
		{[]string{"container=4fc0a1"}, web, true},
		{[]string{"container=we"}, web, false},
		{[]string{"container=web"}, net, false},
		{[]string{"container=web", "event=start"}, web, true},
		{[]string{"container=web", "event=stop"}, web, false},
		{[]string{"image=busybox"}, web, true},
		{[]string{"image=docker.io/library/busybox:latest"}, web, true},
		{[]string{"image=busybox"}, img, true},
		{[]string{"image=busybox:latest"}, img, true},
		{[]string{"image=alpine"}, img, false},
		{[]string{"image=sha256:ab12"}, imgByID, true},
		{[]string{"image=sha256"}, imgByID, false},
		{[]string{"image=busybox"}, vol, false},
		{[]string{"label=tier"}, web, true},
		{[]string{"label=tier=1"}, web, true},
		{[]string{"label=tier=2"}, web, false},
		{[]string{"label=tier", "label=com.example.role=front"}, web, true},
		{[]string{"label=tier", "label=missing"}, web, false},
		{[]string{"volume=data"}, vol, true},
		{[]string{"volume=dat"}, vol, true},
		{[]string{"volume=data"}, web, false},
		{[]string{"network=br0"}, net, true},
		{[]string{"network=e1"}, net, true},
		{[]string{"network=br"}, net, false},
		{[]string{"network=br0", "type=network", "event=connect"}, net, true},
	} {
		f, err := ParseFilters(tc.filters)
		if err != nil {
			t.Fatalf("ParseFilters(%q): %v", tc.filters, err)
		}
		if got := f.Match(tc.e); got != tc.want {
			t.Errorf("%q matching %s %s %s: %v, want %v", tc.filters, tc.e.Type, tc.e.Action, tc.e.Actor.ID, got, tc.want)
		}
	}
}

func TestParseFiltersErrors(t *testing.T) {
	for _, bad := range []string{"container", "bogus=1", "=x"} {
		_, err := ParseFilters([]string{"type=container", bad})
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ParseFilters(%q): %v, want ErrInvalidArgument", bad, err)
		}
	}
	_, err := ParseFilters([]string{"bogus=1"})
	want := `invalid filter "bogus" (valid: container, event, image, label, network, type, volume, action): invalid argument`
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestZeroFilterMatchesAll(t *testing.T) {
	if !(Filter{}).Match(Event{Type: TypeVolume, Action: "create"}) {
		t.Error("the zero Filter rejected an event")
	}
}
