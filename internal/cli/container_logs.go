package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/hullrt/hull/internal/events"
	"github.com/hullrt/hull/internal/logs"
)

// logsOptions are `hull logs`'s flags.
type logsOptions struct {
	follow, timestamps, details bool
	since, until, tail          string
}

// runLogs is `hull logs`: what the container wrote, stdout to stdout and
// stderr to stderr; with -f it goes on until the container stops or hull
// is interrupted.
func runLogs(ctx context.Context, e *env, args []string) error {
	o := logsOptions{tail: "all"}
	fs := e.newFlags("logs")
	fs.Bool(&o.follow, "f", "follow", "Follow log output")
	fs.Bool(&o.timestamps, "t", "timestamps", "Show timestamps")
	fs.Bool(&o.details, "", "details", "Show extra details provided to logs")
	fs.String(&o.since, "", "since", `Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`)
	fs.String(&o.until, "", "until", `Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)`)
	fs.String(&o.tail, "n", "tail", `Number of lines to show from the end of the logs (default "all")`)
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if err := exactArgs("logs", 1, pos); err != nil {
		return err
	}
	ro, err := o.readOptions(time.Now())
	if err != nil {
		return docker(err)
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	err = eng.Logs(ctx, pos[0], ro, func(en logs.Entry) error {
		w := e.stdout
		if en.Stream == "stderr" {
			w = e.stderr
		}
		if o.timestamps {
			fmt.Fprint(w, en.Time.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")+" ")
		}
		_, err := w.Write(en.Line)
		return err
	})
	if ctx.Err() != nil {
		return nil // interrupted while following
	}
	return docker(err)
}

// readOptions turns the flags into the log reader's options.
func (o logsOptions) readOptions(now time.Time) (logs.ReadOptions, error) {
	ro := logs.ReadOptions{Follow: o.follow, Tail: -1}
	if o.tail != "all" && o.tail != "" {
		n, err := strconv.Atoi(o.tail)
		if err != nil {
			return ro, fmt.Errorf("invalid value for \"tail\": %q", o.tail)
		}
		if n >= 0 {
			ro.Tail = n
		}
	}
	var err error
	ro.Since, ro.Until, err = parseTimeRange(o.since, o.until, now, time.Time{})
	return ro, err
}

// parseTimeRange reads --since and --until as Docker does (timestamps or
// durations before now); an empty --since stays since.
func parseTimeRange(sinceFlag, untilFlag string, now, since time.Time) (time.Time, time.Time, error) {
	var until time.Time
	var err error
	if sinceFlag != "" {
		if since, err = events.ParseTime(sinceFlag, now); err != nil {
			return since, until, err
		}
	}
	if untilFlag != "" {
		until, err = events.ParseTime(untilFlag, now)
	}
	return since, until, err
}
