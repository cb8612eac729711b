package reaper

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want Options
		err  string
	}{
		{args: []string{"--", "sh", "-c", "true"}, want: Options{Args: []string{"sh", "-c", "true"}}},
		{args: []string{"sh", "-g"}, want: Options{Args: []string{"sh", "-g"}}},
		{args: []string{"-g", "--", "-dashed"}, want: Options{Args: []string{"-dashed"}, GroupSignals: true}},
		{args: []string{"-gs", "app"}, want: Options{Args: []string{"app"}, GroupSignals: true, Subreaper: true}},
		{args: []string{"-s", "-g", "app"}, want: Options{Args: []string{"app"}, GroupSignals: true, Subreaper: true}},
		{args: []string{"-", "x"}, want: Options{Args: []string{"-", "x"}}},
		{args: []string{"--"}, err: "no command given"},
		{args: nil, err: "no command given"},
		{args: []string{"-x", "app"}, err: "unknown flag -x"},
	} {
		got, err := ParseArgs(tc.args)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseArgs(%q) error %v, want %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseArgs(%q) = %+v, %v; want %+v", tc.args, got, err, tc.want)
		}
	}
}

func TestMainUsage(t *testing.T) {
	var stderr bytes.Buffer
	if got := Main([]string{"-h"}, &stderr); got != 0 {
		t.Errorf("-h exited %d", got)
	}
	if !strings.HasPrefix(stderr.String(), "usage: hull-init") {
		t.Errorf("-h printed %q", stderr.String())
	}
	stderr.Reset()
	if got := Main([]string{"-q", "true"}, &stderr); got != 1 {
		t.Errorf("a bad flag exited %d, want 1", got)
	}
	if !strings.HasPrefix(stderr.String(), "hull-init: unknown flag -q\nusage:") {
		t.Errorf("a bad flag printed %q", stderr.String())
	}
}
