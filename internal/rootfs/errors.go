package rootfs

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// kindError attaches an errdefs kind to an error without changing its text,
// so that "mounting "proc" on "/proc": mount: operation not permitted" reads
// as the kernel said it while errors.Is(err, errdefs.ErrUnavailable) and
// errors.Is(err, unix.EPERM) both hold.
type kindError struct {
	err  error
	kind error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

var kinds = [...]error{
	errdefs.ErrNotFound, errdefs.ErrAlreadyExists, errdefs.ErrInvalidArgument,
	errdefs.ErrConflict, errdefs.ErrUnavailable,
}

// withKind returns err with the errdefs kind its errno implies, unless it
// already carries a kind or has no errno.
func withKind(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return err
		}
	}
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err
	}
	var kind error
	switch errno {
	case unix.ENOENT:
		kind = errdefs.ErrNotFound
	case unix.EEXIST:
		kind = errdefs.ErrAlreadyExists
	case unix.EINVAL, unix.ENOTDIR, unix.EISDIR, unix.ELOOP, unix.ENAMETOOLONG, unix.EXDEV:
		kind = errdefs.ErrInvalidArgument
	case unix.EBUSY:
		kind = errdefs.ErrConflict
	case unix.EPERM, unix.EACCES, unix.EROFS, unix.ENOSYS, unix.ENODEV, unix.EOPNOTSUPP:
		kind = errdefs.ErrUnavailable
	default:
		return err
	}
	return &kindError{err: err, kind: kind}
}
