package monitor

import (
	"strconv"

	"github.com/hullrt/hull/internal/events"
)

// event records a container event in the events journal, with the name
// and image attributes every container event carries. The journal is
// opened for each event: a monitor records a few per run, and holds no
// descriptor across its idle wait. A journal that cannot be written is a
// warning: events inform, they do not decide.
func (m *monitor) event(action string, attrs map[string]string) {
	if m.cfg.Events == "" {
		return
	}
	a := map[string]string{"name": m.cfg.Name, "image": m.cfg.Image}
	for k, v := range attrs {
		a[k] = v
	}
	err := appendEvent(m.cfg.Events, events.Event{Type: events.TypeContainer, Action: action,
		Actor: events.Actor{ID: m.cfg.ID, Attributes: a}})
	if err != nil {
		m.warn("recording event " + action + ": " + err.Error())
	}
}

func appendEvent(path string, ev events.Event) error {
	j, err := events.Open(path)
	if err != nil {
		return err
	}
	err = j.Append(ev)
	if cerr := j.Close(); err == nil {
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
