package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

// The types of object events are about, as Docker names them.
const (
	TypeContainer = "container"
	TypeImage     = "image"
	TypeVolume    = "volume"
	TypeNetwork   = "network"
)

// Actor is the object an event is about: its id and attributes such as
// "name", "image", labels, or "exitCode" for a die event.
type Actor struct {
	ID         string            `json:"ID"`
	Attributes map[string]string `json:"Attributes"`
}

// Event is one thing that happened, marshalled as Docker marshals its
// /events messages: Time becomes "time" (unix seconds) and "timeNano",
// and container and image events also carry Docker's legacy "status",
// "id" (and, for containers, "from") fields, which older clients read.
type Event struct {
	Type   string    `json:"Type"`   // "container", "image", "volume", "network"
	Action string    `json:"Action"` // "create", "start", "die", ...
	Actor  Actor     `json:"Actor"`
	Time   time.Time `json:"-"`
}

// wireEvent is an Event as Docker writes it, fields in Docker's order.
type wireEvent struct {
	Status   string `json:"status,omitempty"`
	ID       string `json:"id,omitempty"`
	From     string `json:"from,omitempty"`
	Type     string `json:"Type"`
	Action   string `json:"Action"`
	Actor    Actor  `json:"Actor"`
	Scope    string `json:"scope"`
	Time     int64  `json:"time"`
	TimeNano int64  `json:"timeNano"`
}

// MarshalJSON writes e as a Docker /events message.
func (e Event) MarshalJSON() ([]byte, error) {
	w := wireEvent{Type: e.Type, Action: e.Action, Actor: e.Actor, Scope: "local"}
	if w.Actor.Attributes == nil {
		w.Actor.Attributes = map[string]string{} // Docker never writes null here
	}
	if !e.Time.IsZero() {
		w.Time, w.TimeNano = e.Time.Unix(), e.Time.UnixNano()
	}
	switch e.Type {
	case TypeContainer:
		w.Status, w.ID, w.From = e.Action, e.Actor.ID, e.Actor.Attributes["image"]
	case TypeImage:
		w.Status, w.ID = e.Action, e.Actor.ID
	}
	return json.Marshal(w)
}

// UnmarshalJSON reads a Docker /events message, the legacy form included
// (only "status" and "id" set).
func (e *Event) UnmarshalJSON(b []byte) error {
	var w wireEvent
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Event{Type: w.Type, Action: w.Action, Actor: w.Actor}
	if e.Action == "" {
		e.Action = w.Status
	}
	if e.Actor.ID == "" {
		e.Actor.ID = w.ID
	}
	switch {
	case w.TimeNano != 0:
		e.Time = time.Unix(0, w.TimeNano)
	case w.Time != 0:
		e.Time = time.Unix(w.Time, 0)
	}
	return nil
}

// maxLine bounds an encoded event, newline included. One page: an append
// this size is a single write that no other append can interleave with.
const maxLine = 4096

// encodeLine is e as one journal line. An event too large for a line
// loses its largest attributes (a huge label, say) until it fits; one
// that cannot fit even without attributes is refused.
func encodeLine(e Event) ([]byte, error) {
	attrs := e.Actor.Attributes
	for {
		b, err := json.Marshal(e)
		if err != nil {
			return nil, fmt.Errorf("encoding event: %w", err)
		}
		if len(b) < maxLine {
			return append(b, '\n'), nil
		}
		if len(attrs) == 0 {
			return nil, fmt.Errorf("event %s %s of %d bytes does not fit a journal line: %w",
				e.Type, e.Action, len(b), errdefs.ErrInvalidArgument)
		}
		if len(attrs) == len(e.Actor.Attributes) {
			attrs = maps.Clone(attrs) // never change the caller's map
		}
		delete(attrs, largest(attrs))
		e.Actor.Attributes = attrs
	}
}

// largest is the key of attrs whose entry takes the most room; ties go to
// the greatest key, so the choice does not depend on map order.
func largest(attrs map[string]string) string {
	var best string
	for k, v := range attrs {
		size, bestSize := len(k)+len(v), len(best)+len(attrs[best])
		if size > bestSize || size == bestSize && k > best {
			best = k
		}
	}
	return best
}

// decodeLine parses one journal line (without its newline). A line that is
// not a JSON object with a type and an action is garbage: a torn write or
// an edit, which readers skip.
func decodeLine(line []byte) (Event, bool) {
	var e Event
	if err := json.Unmarshal(line, &e); err != nil || e.Type == "" || e.Action == "" {
		return Event{}, false
	}
	return e, true
}

// timeNanoField is how the last field of every line the journal writes
// begins.
var timeNanoField = []byte(`"timeNano":`)

// lineTime reads an event's time from its line without decoding the rest,
// ten times faster than decodeLine; readers use it to pass over history
// older than they want. It finds the last "timeNano" key: an attribute of
// that name comes earlier in the line, and inside a JSON string its
// quotes would be escaped.
func lineTime(line []byte) (time.Time, bool) {
	i := bytes.LastIndex(line, timeNanoField)
	if i < 0 {
		return time.Time{}, false
	}
	digits := line[i+len(timeNanoField):]
	end := bytes.IndexByte(digits, '}')
	if end < 0 {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(string(digits[:end]), 10, 64)
	if err != nil || n == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}
