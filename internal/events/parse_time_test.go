package events

import (
	"errors"
	"testing"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestParseTime(t *testing.T) {
	now := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	local := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.Local)
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"10m", now.Add(-10 * time.Minute)},
		{"1h30m", now.Add(-90 * time.Minute)},
		{"1.5h", now.Add(-90 * time.Minute)},
		{"-5s", now.Add(5 * time.Second)},
		{"0", time.Unix(0, 0)},
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.5", time.Unix(1700000000, 500000000)},
		{"1700000000.000000005", time.Unix(1700000000, 5)},
		{"2024-01-02T03:04:05Z", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{"2024-01-02T03:04:05.25Z", time.Date(2024, 1, 2, 3, 4, 5, 250000000, time.UTC)},
		{"2024-01-02T03:04:05+02:00", time.Date(2024, 1, 2, 1, 4, 5, 0, time.UTC)},
		{"2024-01-02T03:04:05.123456789-01:00", time.Date(2024, 1, 2, 4, 4, 5, 123456789, time.UTC)},
		{"2024-01-02T03:04:05", local(2024, 1, 2, 3, 4, 5, 0)},
		{"2024-01-02T03:04:05.5", local(2024, 1, 2, 3, 4, 5, 500000000)},
		{"2024-01-02T03:04", local(2024, 1, 2, 3, 4, 0, 0)},
		{"2024-01-02T03:04Z", time.Date(2024, 1, 2, 3, 4, 0, 0, time.UTC)},
		{"2024-01-02T03", local(2024, 1, 2, 3, 0, 0, 0)},
		{"2024-01-02", local(2024, 1, 2, 0, 0, 0, 0)},
		{" 2024-01-02 ", local(2024, 1, 2, 0, 0, 0, 0)},
	} {
		got, err := ParseTime(tc.in, now)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", tc.in, err)
			continue
		}
		if !got.Equal(tc.want) {
			t.Errorf("ParseTime(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseTimeErrors(t *testing.T) {
	for _, in := range []string{"", "yesterday", "10x", "2024-13-01", "2024-01-02 03:04", "1.2.3", "1700000000.1234567891", "-1700000000"} {
		if got, err := ParseTime(in, time.Now()); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ParseTime(%q) = %v, %v; want ErrInvalidArgument", in, got, err)
		}
	}
}
