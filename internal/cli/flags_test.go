package cli

import (
	"io"
	"reflect"
	"testing"
)

// Flags read as docker's CLI reads them: short and long names, combined
// short booleans, an attached short value, and flags after arguments.
func TestFlagSetParse(t *testing.T) {
	for _, tc := range []struct {
		args []string
		q, a bool
		o    string
		pos  []string
	}{
		{args: []string{"-q"}, q: true},
		{args: []string{"--quiet", "--all"}, q: true, a: true},
		{args: []string{"-qa"}, q: true, a: true},
		{args: []string{"x", "-q", "y"}, q: true, pos: []string{"x", "y"}},
		{args: []string{"-ofile"}, o: "file"},
		{args: []string{"-qo", "file", "img"}, q: true, o: "file", pos: []string{"img"}},
		{args: []string{"--output=f", "--", "-q"}, o: "f", pos: []string{"-q"}},
		{args: []string{"-oKEY=value"}, o: "KEY=value"},
		{args: []string{"-o=file"}, o: "file"},
		{args: []string{"-qoA=B", "img"}, q: true, o: "A=B", pos: []string{"img"}},
	} {
		var q, a bool
		var o string
		fs := newFlagSet("t", "t", io.Discard)
		fs.Bool(&q, "q", "quiet", "")
		fs.Bool(&a, "a", "all", "")
		fs.String(&o, "o", "output", "")
		pos, err := fs.parse(tc.args)
		if err != nil {
			t.Errorf("%q: %v", tc.args, err)
			continue
		}
		if q != tc.q || a != tc.a || o != tc.o || !reflect.DeepEqual(pos, tc.pos) {
			t.Errorf("%q: q=%v a=%v o=%q pos=%q", tc.args, q, a, o, pos)
		}
	}
}

func TestFlagSetUnknown(t *testing.T) {
	var q bool
	fs := newFlagSet("t", "t", io.Discard)
	fs.Bool(&q, "q", "quiet", "")
	if _, err := fs.parse([]string{"-qz"}); err == nil {
		t.Error("-qz with no -z flag parsed")
	}
	if _, err := fs.parse([]string{"--help"}); err != errHelp {
		t.Errorf("--help: %v", err)
	}
}

// --change values are Dockerfile instructions.
func TestParseChanges(t *testing.T) {
	c, err := parseChanges([]string{
		`CMD ["sh", "-c", "echo hi"]`, "ENTRYPOINT top -b", `ENV A=1 B="x y" C=a\ b`,
		"env LEGACY some value", "WORKDIR /w", "USER 1000:1000", `LABEL "k 1"=v k2='q'`,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sh", "-c", "echo hi"}
	if !reflect.DeepEqual(c.Cmd, want) || !reflect.DeepEqual(c.Entrypoint, []string{"/bin/sh", "-c", "top -b"}) {
		t.Errorf("Cmd %q Entrypoint %q", c.Cmd, c.Entrypoint)
	}
	if want := []string{"A=1", "B=x y", "C=a b", "LEGACY=some value"}; !reflect.DeepEqual(c.Env, want) {
		t.Errorf("Env %q, want %q", c.Env, want)
	}
	if c.WorkingDir != "/w" || c.User != "1000:1000" || c.Labels["k 1"] != "v" || c.Labels["k2"] != "q" {
		t.Errorf("changes %+v", c)
	}
	for _, bad := range []string{"EXPOSE 80", "CMD", `ENV A="open`, "LABEL novalue"} {
		if _, err := parseChanges([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHumanSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 999: "999B", 1088428: "1.09MB", 4_260_000: "4.26MB", 1e9: "1GB"} {
		if got := humanSize(n); got != want {
			t.Errorf("humanSize(%d) = %q, want %q", n, got, want)
		}
	}
}
