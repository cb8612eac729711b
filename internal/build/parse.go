package build

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/hullrt/hull/internal/errdefs"
)

// Dockerfile is a parsed Dockerfile: its stages and the ARGs before the
// first FROM, which only FROM lines see unless a stage declares them again.
type Dockerfile struct {
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand
	// Escape is the escape character (the `# escape=` directive).
	Escape rune
}

// Parse reads a Dockerfile with BuildKit's parser and turns its lines into
// typed instructions. A syntax error names the line it is on.
func Parse(dockerfile []byte) (*Dockerfile, error) {
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, syntaxError(err)
	}
	// The linter is BuildKit's; its warnings are not shown (Docker's
	// classic builder shows none either), but a `# check=` directive in a
	// comment needs one to exist.
	lint := linter.New(&linter.Config{SkipAll: true})
	stages, meta, err := instructions.Parse(res.AST, lint)
	if err != nil {
		return nil, syntaxError(err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("Dockerfile has no FROM instruction: %w", errdefs.ErrInvalidArgument)
	}
	return &Dockerfile{Stages: stages, MetaArgs: meta, Escape: res.EscapeToken}, nil
}

// syntaxError puts the line an error is on in front of it, in one form
// whatever part of the parser found it: "Dockerfile:3: unknown instruction:
// FOO".
func syntaxError(err error) error {
	line := 0
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	msg := err.Error()
	// instructions.Parse says "dockerfile parse error on line N: ".
	if _, rest, ok := strings.Cut(msg, "dockerfile parse error on line "); ok {
		if _, after, ok := strings.Cut(rest, ": "); ok {
			msg = after
		}
	}
	if line > 0 {
		return fmt.Errorf("Dockerfile:%d: %s: %w", line, msg, errdefs.ErrInvalidArgument)
	}
	return fmt.Errorf("Dockerfile: %s: %w", msg, errdefs.ErrInvalidArgument)
}

// stageIndex finds the stage a FROM or COPY --from names: a stage name
// (case-insensitive) or a number. It reports false for anything else,
// which is then an image.
func (d *Dockerfile) stageIndex(name string, before int) (int, bool) {
	for i := 0; i < before; i++ {
		if d.Stages[i].Name != "" && strings.EqualFold(d.Stages[i].Name, name) {
			return i, true
		}
	}
	var n int
	if _, err := fmt.Sscanf(name, "%d", &n); err == nil && fmt.Sprint(n) == name && n >= 0 && n < before {
		return n, true
	}
	return 0, false
}

// targetIndex is the stage --target names, the last one by default.
func (d *Dockerfile) targetIndex(target string) (int, error) {
	if target == "" {
		return len(d.Stages) - 1, nil
	}
	for i, s := range d.Stages {
		if strings.EqualFold(s.Name, target) {
			return i, nil
		}
	}
	return 0, fmt.Errorf("target stage %q could not be found: %w", target, errdefs.ErrNotFound)
}
