package image

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

// Lookup finds the records a user means by key, the way the docker CLI
// resolves an image argument: first as a name ("busybox", "user/img:tag"),
// then as an image ID or a prefix of one ("3f57d9401f8d", "sha256:3f57…"),
// matched against each record's ID (the config digest) and its target's
// digest. An ID names an image, not a record, so every name for that image
// is returned, sorted by name.
//
// A prefix that fits two different images is an error naming both (wrapping
// errdefs.ErrInvalidArgument); nothing found wraps errdefs.ErrNotFound.
func (s *Store) Lookup(ctx context.Context, key string) ([]Image, error) {
	if _, err := ParseNormalized(key); err == nil {
		img, err := s.Get(ctx, key)
		if err == nil {
			return []Image{img}, nil
		}
		if !errdefs.IsNotFound(err) {
			return nil, err
		}
	}
	prefix, ok := idPrefix(key)
	if !ok {
		return nil, fmt.Errorf("no such image: %s: %w", key, errdefs.ErrNotFound)
	}
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return byIDPrefix(all, key, prefix)
}

// byIDPrefix picks, from all records, those of the one image whose ID or
// target digest starts with prefix.
func byIDPrefix(all []Image, key, prefix string) ([]Image, error) {
	var matched []digest.Digest
	for _, img := range all {
		if hasPrefix(img.ID, prefix) || hasPrefix(img.Target.Digest, prefix) {
			if id := img.identity(); !slices.Contains(matched, id) {
				matched = append(matched, id)
			}
		}
	}
	switch len(matched) {
	case 0:
		return nil, fmt.Errorf("no such image: %s: %w", key, errdefs.ErrNotFound)
	case 1:
	default:
		short := make([]string, len(matched))
		for i, d := range matched {
			short[i] = d.Encoded()[:min(12, len(d.Encoded()))]
		}
		slices.Sort(short)
		return nil, fmt.Errorf("image ID prefix %q is ambiguous: it matches %s: %w",
			key, strings.Join(short, ", "), errdefs.ErrInvalidArgument)
	}
	var out []Image
	for _, img := range all {
		if img.identity() == matched[0] {
			out = append(out, img)
		}
	}
	return out, nil
}

// idPrefix extracts the hex digits of an ID or ID prefix, with or without
// "sha256:"; ok is false when key cannot be one.
func idPrefix(key string) (string, bool) {
	hex := strings.TrimPrefix(key, string(digest.SHA256)+":")
	if hex == "" || len(hex) > 64 || strings.Trim(hex, "0123456789abcdef") != "" {
		return "", false
	}
	return hex, true
}

func hasPrefix(d digest.Digest, prefix string) bool {
	return d != "" && d.Algorithm() == digest.SHA256 && strings.HasPrefix(d.Encoded(), prefix)
}
