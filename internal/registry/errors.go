package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/hullrt/hull/internal/errdefs"
)

// ErrUnauthorized is wrapped by errors for credentials a registry refused
// (HTTP 401) or for access it denied (403). errdefs has no such kind yet.
var ErrUnauthorized = errors.New("unauthorized")

// remoteError is a registry's answer turned into one line for a person,
// "unauthorized: authentication required", classified for errors.Is.
type remoteError struct {
	msg  string
	kind error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.kind }

// clean rewrites go-containerregistry's errors, which start with the
// method and URL and may list several diagnostics, into the one line
// Docker prints: "<code>: <message>". Other errors pass unchanged.
func clean(err error) error {
	var te *transport.Error
	if !errors.As(err, &te) {
		return err
	}
	kind := kindOf(te.StatusCode)
	if len(te.Errors) == 0 {
		text := strings.ToLower(http.StatusText(te.StatusCode))
		if te.StatusCode == http.StatusUnauthorized {
			text = "unauthorized: authentication required"
		}
		return &remoteError{msg: text, kind: kind}
	}
	d := te.Errors[0]
	code := strings.ToLower(strings.ReplaceAll(string(d.Code), "_", " "))
	msg := code
	if d.Message != "" && !strings.EqualFold(d.Message, code) {
		msg = code + ": " + d.Message
	}
	return &remoteError{msg: msg, kind: kind}
}

// kindOf maps an HTTP status to the error kind hull reports.
func kindOf(status int) error {
	switch status {
	case http.StatusUnauthorized, http.StatusForbidden:
		return ErrUnauthorized
	case http.StatusNotFound:
		return errdefs.ErrNotFound
	case http.StatusBadRequest:
		return errdefs.ErrInvalidArgument
	default:
		return errdefs.ErrUnavailable
	}
}

// statusError reports an HTTP response hull did not expect from a blob
// request it made itself.
func statusError(resp *http.Response) error {
	if err := transport.CheckError(resp, http.StatusOK, http.StatusPartialContent); err != nil {
		return clean(err)
	}
	return fmt.Errorf("unexpected status %s", resp.Status)
}
