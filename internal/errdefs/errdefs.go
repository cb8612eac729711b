// Package errdefs defines the kinds of error hull reports, so that every
// layer can say what went wrong in one vocabulary and the outermost layer
// (a CLI's exit code, later an HTTP status) maps each kind in one place.
//
// Wrap a kind with context using fmt.Errorf and %w:
//
//	return fmt.Errorf("container %q: %w", id, errdefs.ErrNotFound)
//
// and test for it with errors.Is.
package errdefs

import "errors"

// The kinds. Each is a sentinel to wrap, never to return bare.
var (
	// ErrNotFound: the named thing does not exist.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a thing with that name or id exists already.
	ErrAlreadyExists = errors.New("already exists")
	// ErrInvalidArgument: the request or its input is malformed.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrConflict: the thing is in a state that does not allow the operation.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the host cannot provide what is asked (a missing
	// kernel feature, a capability the process lacks).
	ErrUnavailable = errors.New("unavailable")
)

// IsNotFound reports whether err is or wraps ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
