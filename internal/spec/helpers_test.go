package spec

import (
	"errors"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// checkErr fails t unless err is an errdefs.ErrInvalidArgument reading
// exactly want (or no error when want is "").
func checkErr(t *testing.T, what string, err error, want string) bool {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: unexpected error: %v", what, err)
	case want == "":
		return true
	case err == nil:
		t.Errorf("%s: no error, want %q", what, want)
	case err.Error() != want:
		t.Errorf("%s: error\n  %q\nwant\n  %q", what, err.Error(), want)
	case !errors.Is(err, errdefs.ErrInvalidArgument):
		t.Errorf("%s: %v is not an ErrInvalidArgument", what, err)
	}
	return false
}
