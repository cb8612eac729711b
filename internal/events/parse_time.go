package events

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

// timeLayouts are the date forms --since and --until take, as Docker's
// do: RFC 3339 with or without fraction and zone, cut down as far as a
// date. Layouts without a zone are read in local time.
var timeLayouts = []string{
	time.RFC3339Nano, // the fraction is optional in all three
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02T15Z07:00",
	"2006-01-02T15",
	"2006-01-02Z07:00",
	"2006-01-02",
}

// ParseTime reads a --since or --until value as Docker does: a date and
// time (RFC 3339, with or without fraction or zone, down to a date; no
// zone means local time), unix seconds with an optional fraction
// ("1700000000", "1700000000.5"), or a Go duration counted back from now
// ("10m", "1h30m"). Anything else is an errdefs.ErrInvalidArgument error.
func ParseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fmt.Errorf("empty time: %w", errdefs.ErrInvalidArgument)
	}
	if d, err := time.ParseDuration(s); err == nil && s != "0" {
		return now.Add(-d), nil
	}
	if t, ok := parseUnix(s); ok {
		return t, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid time %q (want RFC 3339 like 2006-01-02T15:04:05Z, unix seconds, or a duration like 10m): %w",
		s, errdefs.ErrInvalidArgument)
}

// parseUnix reads "seconds" or "seconds.fraction". The fraction is a
// decimal fraction of a second, so ".5" is half a second and Docker's own
// nine-digit form ".000000005" five nanoseconds.
func parseUnix(s string) (time.Time, bool) {
	secs, frac, hasFrac := strings.Cut(s, ".")
	if !digits(secs) || hasFrac && (!digits(frac) || len(frac) > 9) {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var nsec int64
	if hasFrac {
		nsec, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	return time.Unix(sec, nsec), true
}

func digits(s string) bool {
	return s != "" && strings.Trim(s, "0123456789") == ""
}
