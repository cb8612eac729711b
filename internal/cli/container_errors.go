package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/hullrt/hull/internal/errdefs"
)

// kinds are the errdefs sentinels whose text ("not found", "conflict")
// ends an engine error wrapped with %w. Docker's messages do not say it,
// and scripts match Docker's messages.
var kinds = []error{errdefs.ErrNotFound, errdefs.ErrAlreadyExists, errdefs.ErrInvalidArgument,
	errdefs.ErrConflict, errdefs.ErrUnavailable}

// wordedError is an engine error as Docker words it: the same error (for
// errors.Is and errors.As, so an *engine.ExitError keeps its exit status)
// without the kind's name at the end.
type wordedError struct {
	msg string
	err error
}

func (w *wordedError) Error() string { return w.msg }
func (w *wordedError) Unwrap() error { return w.err }

// docker rewords err the way Docker prints it: "no such container: x"
// rather than "no such container: x: not found".
func docker(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, k := range kinds {
		if suffix := ": " + k.Error(); strings.HasSuffix(msg, suffix) && errors.Is(err, k) {
			return &wordedError{msg: strings.TrimSuffix(msg, suffix), err: err}
		}
	}
	return err
}

// forEach runs fn on each container named, as Docker's rm, stop, kill and
// the like do: it goes on after a failure, prints each failure as one
// "hull: " line, prints each name that succeeded when echo is set, and
// ends with exit status 1 if anything failed.
func (e *env) forEach(refs []string, echo bool, fn func(ref string) error) error {
	failed := false
	for _, ref := range refs {
		if err := fn(ref); err != nil {
			fmt.Fprintf(e.stderr, "hull: %s\n", oneLine(docker(err)))
			failed = true
			continue
		}
		if echo {
			fmt.Fprintln(e.stdout, ref)
		}
	}
	if failed {
		return exitStatus(1)
	}
	return nil
}

// needArgs is Docker's wording for a command given too few arguments.
func needArgs(cmd string, min int, args []string) error {
	if len(args) >= min {
		return nil
	}
	if min == 1 {
		return fmt.Errorf("%q requires at least 1 argument", cmd)
	}
	return fmt.Errorf("%q requires at least %d arguments", cmd, min)
}

// exactArgs is Docker's wording for a command given the wrong number of
// arguments.
func exactArgs(cmd string, n int, args []string) error {
	if len(args) == n {
		return nil
	}
	if n == 1 {
		return fmt.Errorf("%q requires exactly 1 argument", cmd)
	}
	return fmt.Errorf("%q requires exactly %d arguments", cmd, n)
}
