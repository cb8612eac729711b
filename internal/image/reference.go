package image

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// Reference is a parsed, normalised image reference. It is a plain value so
// it can be compared, copied and printed without carrying the parser around.
//
// Domain and Path are always set by ParseNormalized; Tag is "latest" when
// the input named neither a tag nor a digest. A reference may carry both a
// tag and a digest ("busybox:1.36@sha256:…"); the digest then decides what
// is fetched and the tag is kept only so the user sees what they typed.
type Reference struct {
	Domain string        // registry host, "docker.io" for Docker Hub
	Path   string        // repository path, "library/busybox"
	Tag    string        // "" when the reference is by digest only
	Digest digest.Digest // "" when the reference is by tag only
}

// ParseNormalized parses a reference as the docker CLI does, filling in
// Docker Hub's domain, the "library/" namespace and the "latest" tag, so that
// "busybox" and "docker.io/library/busybox:latest" name the same image.
//
// Errors are one line, start with "invalid reference format" and wrap
// errdefs.ErrInvalidArgument.
func ParseNormalized(s string) (Reference, error) {
	if s == "" {
		return Reference{}, invalidReference(s, "empty reference")
	}
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Reference{}, invalidReference(s, referenceReason(s, err))
	}
	named = reference.TagNameOnly(named)
	r := Reference{Domain: reference.Domain(named), Path: reference.Path(named)}
	if r.Domain == "" {
		// The parser took the first component for a host because it has a
		// '.' or ':', then found it was not one and kept the whole as a
		// path; a normalised reference always has a host.
		host, _, _ := strings.Cut(s, "/")
		return Reference{}, invalidReference(s, fmt.Sprintf("%q is not a valid registry host", host))
	}
	if t, ok := named.(reference.Tagged); ok {
		r.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		r.Digest = d.Digest()
	}
	return r, nil
}

// Name is the repository without tag or digest: "docker.io/library/busybox".
func (r Reference) Name() string {
	if r.Domain == "" {
		return r.Path
	}
	return r.Domain + "/" + r.Path
}

// String is the full normalised form, the key image records are stored
// under: "docker.io/library/busybox:latest".
func (r Reference) String() string {
	s := r.Name()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// FamiliarString is the short form people type and `docker images` shows:
// "busybox:latest", "user/img:tag", "localhost:5000/a/b@sha256:…".
func (r Reference) FamiliarString() string {
	named, err := reference.ParseNormalizedNamed(r.String())
	if err != nil {
		return r.String()
	}
	return reference.FamiliarString(named)
}

// WithTag returns r naming tag instead of its tag and digest, the reference
// `hull tag` creates.
func (r Reference) WithTag(tag string) (Reference, error) {
	named, err := reference.ParseNormalizedNamed(r.Name())
	if err == nil {
		_, err = reference.WithTag(named, tag)
	}
	if err != nil {
		return Reference{}, invalidReference(r.Name()+":"+tag, referenceReason(tag, err))
	}
	return Reference{Domain: r.Domain, Path: r.Path, Tag: tag}, nil
}

// ReferenceError reports input that is not a valid image reference.
type ReferenceError struct {
	Input  string // what was given
	Reason string // why it is refused, in words a user can act on
}

func (e *ReferenceError) Error() string {
	return fmt.Sprintf("invalid reference format: %q: %s", e.Input, e.Reason)
}

// Unwrap makes errors.Is(err, errdefs.ErrInvalidArgument) true.
func (e *ReferenceError) Unwrap() error { return errdefs.ErrInvalidArgument }

func invalidReference(s, reason string) error {
	return &ReferenceError{Input: s, Reason: reason}
}

// referenceReason turns the parser's error into a reason; the parser's own
// messages repeat "invalid reference format" or name no cause at all.
func referenceReason(s string, err error) string {
	if _, d, ok := strings.Cut(s, "@"); ok {
		if derr := digest.Digest(d).Validate(); derr != nil {
			return "invalid digest: " + derr.Error()
		}
	}
	switch {
	case errors.Is(err, reference.ErrNameTooLong),
		errors.Is(err, reference.ErrNameEmpty):
		return err.Error()
	case errors.Is(err, reference.ErrTagInvalidFormat):
		return "invalid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')"
	case errors.Is(err, reference.ErrDigestInvalidFormat),
		errors.Is(err, digest.ErrDigestInvalidFormat),
		errors.Is(err, digest.ErrDigestInvalidLength),
		errors.Is(err, digest.ErrDigestUnsupported):
		return "invalid digest: " + err.Error()
	case strings.Contains(err.Error(), "must be lowercase"):
		return reference.ErrNameContainsUppercase.Error()
	case strings.Contains(err.Error(), "64-byte hexadecimal"):
		return "a 64-hex string is an image ID, not a repository name"
	}
	return "expected [domain/]path[:tag][@digest] in lowercase letters, digits and separators"
}
