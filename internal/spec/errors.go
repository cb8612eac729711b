package spec

import (
	"fmt"

	"github.com/hullrt/hull/internal/errdefs"
)

// invalidError is an errdefs.ErrInvalidArgument that reads exactly as
// Docker words the same mistake: wrapping the kind with %w would append
// ": invalid argument" to a message people and scripts already know.
type invalidError struct {
	msg   string
	cause error // what a strconv or os call said, if any
}

func (e *invalidError) Error() string { return e.msg }

// Unwrap lets errors.Is find both the kind and the cause.
func (e *invalidError) Unwrap() []error {
	if e.cause == nil {
		return []error{errdefs.ErrInvalidArgument}
	}
	return []error{errdefs.ErrInvalidArgument, e.cause}
}

// invalid returns an errdefs.ErrInvalidArgument with the message format
// makes of args. An error among args is kept as the cause.
func invalid(format string, args ...any) error {
	e := &invalidError{msg: fmt.Sprintf(format, args...)}
	for _, a := range args {
		if err, ok := a.(error); ok {
			e.cause = err
		}
	}
	return e
}
