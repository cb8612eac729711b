package monitor

import (
	"encoding/json"
	"os"
	"strconv"
	"time"
)

// event records a container event in the events journal, with the name
// and image attributes every container event carries. A journal that
// cannot be written is a warning: events inform, they do not decide.
func (m *monitor) event(action string, attrs map[string]string) {
	if m.cfg.Events == "" {
		return
	}
	a := map[string]string{"name": m.cfg.Name, "image": m.cfg.Image}
	for k, v := range attrs {
		a[k] = v
	}
	ev := event{Type: "container", Action: action, Actor: actor{ID: m.cfg.ID, Attributes: a}, Time: time.Now().UTC()}
	if err := appendEvent(m.cfg.Events, ev); err != nil {
		m.warn("recording event " + action + ": " + err.Error())
	}
}

// event and actor have the shape of internal/events' Event and Actor.
type event struct {
	Type   string    `json:"type"`
	Action string    `json:"action"`
	Actor  actor     `json:"actor"`
	Time   time.Time `json:"time"`
}

type actor struct {
	ID         string            `json:"id"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// appendEvent appends ev to the journal at path as a JSON line, in one
// write to a file opened for appending.
//
// TODO(events): this stands in for internal/events, which is being
// written: switch to events.Open(path) and (*Journal).Append once it
// exists.
func appendEvent(path string, ev event) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(data, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func itoa(n int) string { return strconv.Itoa(n) }

func streamName(id byte) string {
	if id == streamStderr {
		return "stderr"
	}
	return "stdout"
}
