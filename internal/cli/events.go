package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	apievents "github.com/moby/moby/api/types/events"

	"github.com/hullrt/hull/internal/events"
)

// eventsOptions are `hull events`'s flags.
type eventsOptions struct {
	since, until, format string
	filters              []string
}

// runEvents is `hull events`: what happened to containers, images and
// volumes, read from the journal every hull process appends to. Without
// --since it starts now; without --until it follows new events until
// interrupted, as Docker's does.
func runEvents(ctx context.Context, e *env, args []string) error {
	var o eventsOptions
	fs := e.newFlags("events")
	fs.String(&o.since, "", "since", "Show all events created since timestamp")
	fs.String(&o.until, "", "until", "Stream events until this timestamp")
	fs.Strings(&o.filters, "f", "filter", "Filter output based on conditions provided")
	fs.String(&o.format, "", "format", "Format output using a Go template")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf(`"events" accepts no arguments`)
	}
	ro, err := o.readOptions(time.Now())
	if err != nil {
		return docker(err)
	}
	show := printEvent
	if o.format != "" {
		if show, err = eventTemplate(e, o.format); err != nil {
			return err
		}
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	err = eng.Events().Read(ctx, ro, func(ev events.Event) error { return show(e, ev) })
	if ctx.Err() != nil {
		return nil // interrupted while following
	}
	return docker(err)
}

func (o eventsOptions) readOptions(now time.Time) (events.ReadOptions, error) {
	ro := events.ReadOptions{Follow: o.until == ""}
	var err error
	if ro.Since, ro.Until, err = parseTimeRange(o.since, o.until, now, now); err != nil {
		return ro, err
	}
	ro.Filter, err = events.ParseFilters(o.filters)
	return ro, err
}

// printEvent is Docker's line: local time, type, action, id, and the
// attributes sorted by name.
func printEvent(e *env, ev events.Event) error {
	line := fmt.Sprintf("%s %s %s %s", ev.Time.Format("2006-01-02T15:04:05.000000000Z07:00"), ev.Type, ev.Action, ev.Actor.ID)
	if len(ev.Actor.Attributes) > 0 {
		var attrs []string
		for k, v := range ev.Actor.Attributes {
			attrs = append(attrs, k+"="+v)
		}
		slices.Sort(attrs)
		line += " (" + strings.Join(attrs, ", ") + ")"
	}
	_, err := fmt.Fprintln(e.stdout, line)
	return err
}

// eventTemplate runs --format on each event as Docker's message type, so
// templates written for docker ({{.Actor.ID}}, {{json .}}) work unchanged.
func eventTemplate(e *env, format string) (func(*env, events.Event) error, error) {
	if format == "json" {
		format = "{{json .}}"
	}
	t, err := newTable(e.stdout, format, nil)
	if err != nil {
		return nil, err
	}
	return func(e *env, ev events.Event) error {
		m := apievents.Message{Type: apievents.Type(ev.Type), Action: apievents.Action(ev.Action),
			Actor: apievents.Actor{ID: ev.Actor.ID, Attributes: ev.Actor.Attributes}, Scope: "local",
			Time: ev.Time.Unix(), TimeNano: ev.Time.UnixNano()}
		if err := t.row(m); err != nil {
			return err
		}
		return t.flush()
	}, nil
}
