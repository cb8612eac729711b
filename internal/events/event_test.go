package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

var when = time.Unix(1700000000, 123456789)

func TestMarshalLikeDocker(t *testing.T) {
	for _, tc := range []struct {
		e    Event
		want string
	}{
		{Event{Type: TypeContainer, Action: "start", Time: when,
			Actor: Actor{ID: "4fc0", Attributes: map[string]string{"image": "busybox", "name": "web"}}},
			`{"status":"start","id":"4fc0","from":"busybox","Type":"container","Action":"start",` +
				`"Actor":{"ID":"4fc0","Attributes":{"image":"busybox","name":"web"}},` +
				`"scope":"local","time":1700000000,"timeNano":1700000000123456789}`},
		{Event{Type: TypeImage, Action: "tag", Time: when,
			Actor: Actor{ID: "sha256:ab", Attributes: map[string]string{"name": "busybox:1"}}},
			`{"status":"tag","id":"sha256:ab","Type":"image","Action":"tag",` +
				`"Actor":{"ID":"sha256:ab","Attributes":{"name":"busybox:1"}},` +
				`"scope":"local","time":1700000000,"timeNano":1700000000123456789}`},
		{Event{Type: TypeNetwork, Action: "connect", Time: when, Actor: Actor{ID: "n1"}},
			`{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{}},` +
				`"scope":"local","time":1700000000,"timeNano":1700000000123456789}`},
	} {
		b, err := json.Marshal(tc.e)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tc.want {
			t.Errorf("marshalled\n %s\nwant\n %s", b, tc.want)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !back.Time.Equal(tc.e.Time) || back.Type != tc.e.Type || back.Action != tc.e.Action || back.Actor.ID != tc.e.Actor.ID {
			t.Errorf("round trip of %s gave %+v", b, back)
		}
	}
}

func TestUnmarshalLegacy(t *testing.T) {
	var e Event
	if err := json.Unmarshal([]byte(`{"status":"die","id":"abc","from":"x","Type":"container","time":1700000000}`), &e); err != nil {
		t.Fatal(err)
	}
	if e.Action != "die" || e.Actor.ID != "abc" || !e.Time.Equal(time.Unix(1700000000, 0)) {
		t.Errorf("legacy message read as %+v", e)
	}
}

// An event too big for one line loses its largest attributes first, and
// the caller's map is left alone.
func TestEncodeLineShrinks(t *testing.T) {
	attrs := map[string]string{"name": "web", "image": "busybox", "huge": strings.Repeat("x", 5000)}
	e := Event{Type: TypeContainer, Action: "create", Time: when, Actor: Actor{ID: "c1", Attributes: attrs}}
	line, err := encodeLine(e)
	if err != nil {
		t.Fatal(err)
	}
	if len(line) >= maxLine || line[len(line)-1] != '\n' {
		t.Fatalf("line of %d bytes", len(line))
	}
	got, ok := decodeLine(line[:len(line)-1])
	if !ok || got.Actor.Attributes["name"] != "web" || got.Actor.Attributes["image"] != "busybox" {
		t.Errorf("decoded %+v", got)
	}
	if _, kept := got.Actor.Attributes["huge"]; kept {
		t.Error("the huge attribute was kept")
	}
	if len(attrs) != 3 {
		t.Error("encodeLine changed the caller's attributes")
	}

	e.Actor.ID = strings.Repeat("y", maxLine)
	if _, err := encodeLine(e); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("an id longer than a line: %v, want ErrInvalidArgument", err)
	}
}

func TestDecodeLineRejectsGarbage(t *testing.T) {
	for _, line := range []string{
		"", "garbage", "{}", `{"Type":"container"}`, `{"Type":"container","Action":"start"`,
		`{"Type":1,"Action":"start"}`, `[1,2]`, `null`,
	} {
		if e, ok := decodeLine([]byte(line)); ok {
			t.Errorf("decodeLine(%q) = %+v, want rejected", line, e)
		}
	}
}

func TestLineTime(t *testing.T) {
	e := Event{Type: TypeContainer, Action: "start", Time: when,
		Actor: Actor{ID: "c1", Attributes: map[string]string{"timeNano": "5", `"timeNano":7}`: "x"}}}
	line, _ := encodeLine(e)
	if got, ok := lineTime(line[:len(line)-1]); !ok || !got.Equal(when) {
		t.Errorf("lineTime = %v, %v; want %v", got, ok, when)
	}
	for _, bad := range []string{"", `{"timeNano":}`, `{"timeNano":"1"}`, `{"timeNano":0}`, `"timeNano":12`} {
		if got, ok := lineTime([]byte(bad)); ok {
			t.Errorf("lineTime(%q) = %v, want none", bad, got)
		}
	}
}
