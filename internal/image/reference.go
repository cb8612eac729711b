package image

import (
	"fmt"
	"strings"

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
	if len(s) == 64 && allOf(s, func(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'f' }) {
		return Reference{}, invalidReference(s, "a 64-hex string is an image ID, not a repository name")
	}
	domain, rest := splitDockerDomain(s)
	if remote, _, _ := strings.Cut(rest, ":"); strings.ToLower(remote) != remote {
		return Reference{}, invalidReference(s, "repository name must be lowercase")
	}
	d, path, tag, dgst, ok := matchReference(domain + "/" + rest)
	switch {
	case !ok:
		if _, after, found := strings.Cut(s, "@"); found {
			if err := digest.Digest(after).Validate(); err != nil {
				return Reference{}, invalidReference(s, "invalid digest: "+err.Error())
			}
		}
		return Reference{}, invalidReference(s, "expected [domain/]path[:tag][@digest] in lowercase letters, digits and separators")
	case len(path) > pathLengthMax:
		return Reference{}, invalidReference(s, "repository name must not be more than 255 characters")
	case d == "":
		// The first component looked like a host (a '.' or ':') but is not
		// one; a normalised reference always has a host.
		host, _, _ := strings.Cut(s, "/")
		return Reference{}, invalidReference(s, fmt.Sprintf("%q is not a valid registry host", host))
	}
	r := Reference{Domain: d, Path: path, Tag: tag, Digest: digest.Digest(dgst)}
	if dgst != "" {
		if err := r.Digest.Validate(); err != nil {
			return Reference{}, invalidReference(s, "invalid digest: "+err.Error())
		}
	} else if tag == "" {
		r.Tag = "latest"
	}
	return r, nil
}

// splitDockerDomain splits a reference into its domain and the rest as the
// docker CLI does: the first component is a domain when it is localhost,
// has a '.' or ':', or has an upper-case letter (which no repository may);
// otherwise the domain is Docker Hub's, where a one-component name gets
// "library/" before it.
func splitDockerDomain(s string) (domain, rest string) {
	first, after, ok := strings.Cut(s, "/")
	switch {
	case !ok:
		return defaultDomain, officialPrefix + s
	case first == "index.docker.io":
		domain, rest = defaultDomain, after
	case first == "localhost", strings.ContainsAny(first, ".:"), strings.ToLower(first) != first:
		domain, rest = first, after
	default:
		domain, rest = defaultDomain, s
	}
	if domain == defaultDomain && !strings.Contains(rest, "/") {
		rest = officialPrefix + rest
	}
	return domain, rest
}

const (
	defaultDomain  = "docker.io"
	officialPrefix = "library/"
)

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
	s := r.Name()
	if r.Domain == defaultDomain {
		s = r.Path
		if rest, ok := strings.CutPrefix(s, officialPrefix); ok && !strings.Contains(rest, "/") {
			s = rest
		}
	}
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest.String()
	}
	return s
}

// WithTag returns r naming tag instead of its tag and digest, the reference
// `hull tag` creates.
func (r Reference) WithTag(tag string) (Reference, error) {
	if tag == "" || !isTag(tag) {
		return Reference{}, invalidReference(r.Name()+":"+tag, "invalid tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')")
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
