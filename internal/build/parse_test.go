package build

import (
	"errors"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestParseStages(t *testing.T) {
	df, err := Parse([]byte(`# escape=\
ARG BASE=busybox
ARG TAG
FROM ${BASE}:${TAG:-latest} AS Build
RUN echo one \
    two
FROM scratch
COPY --from=build /a /a
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(df.Stages) != 2 || len(df.MetaArgs) != 2 {
		t.Fatalf("%d stages, %d meta args", len(df.Stages), len(df.MetaArgs))
	}
	if df.Stages[0].BaseName != "${BASE}:${TAG:-latest}" || df.Stages[0].Name != "build" {
		t.Errorf("stage 0: base %q name %q", df.Stages[0].BaseName, df.Stages[0].Name)
	}
	if i, ok := df.stageIndex("BUILD", 1); !ok || i != 0 {
		t.Errorf("stage names are case-insensitive: %d %v", i, ok)
	}
	if i, ok := df.stageIndex("0", 1); !ok || i != 0 {
		t.Errorf("stages are named by number too: %d %v", i, ok)
	}
	if _, ok := df.stageIndex("build", 0); ok {
		t.Errorf("a stage is not visible before it is defined")
	}
	if _, ok := df.stageIndex("01", 1); ok {
		t.Errorf("01 is an image name, not stage 1")
	}
	if i, err := df.targetIndex(""); err != nil || i != 1 {
		t.Errorf("default target: %d %v", i, err)
	}
	if _, err := df.targetIndex("nope"); !errdefs.IsNotFound(err) {
		t.Errorf("unknown target: %v", err)
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"FROM busybox\n\nRUN true\nFROBNICATE\n", "Dockerfile:4: unknown instruction: FROBNICATE"},
		{"RUN true\n", "Dockerfile:1: no build stage in current context"},
		{"FROM busybox\nENV\n", "Dockerfile:2: ENV requires at least one argument"},
		{"FROM busybox\nCOPY onlyone\n", "Dockerfile:2: COPY requires at least two arguments"},
		{"", "Dockerfile: file with no instructions"},
		{"# just a comment\n", "Dockerfile:1: file with no instructions"},
		{"ARG A=1\n", "Dockerfile has no FROM instruction"},
	} {
		_, err := Parse([]byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%q: %v is not an invalid argument", c.in, err)
		}
	}
}

// FuzzParse feeds the parser arbitrary Dockerfiles: it must return an
// error or stages, never panic.
func FuzzParse(f *testing.F) {
	f.Add([]byte("FROM busybox\nRUN echo hi\n"))
	f.Add([]byte("ARG A=1\nFROM x AS y\nCOPY --from=y --chown=1:1 a b/\nHEALTHCHECK CMD true\nONBUILD RUN x\n"))
	f.Add([]byte("FROM a\nRUN <<EOF\nx\nEOF\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		df, err := Parse(b)
		if err == nil && len(df.Stages) == 0 {
			t.Fatal("no error and no stage")
		}
	})
}
