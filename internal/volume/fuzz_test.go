package volume

import (
	"errors"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// Volume options and filters come from the command line and the API.
// Whatever they hold, parsing ends with a result or an invalid-argument
// error, and never yields filesystem data for a bind mount.
func FuzzOptions(f *testing.F) {
	for _, seed := range []string{"size=64m,uid=1000", "bind,ro", "rbind,rshared", "remount", ",,,", "bind,uid=1", "nosuid,nodev,noexec,size=1k"} {
		f.Add("tmpfs", "tmpfs", seed)
	}
	f.Fuzz(func(t *testing.T, typ, device, o string) {
		opts := map[string]string{"type": typ, "device": device, "o": o}
		err := checkOptions(opts)
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Fatalf("error of another kind: %v", err)
		}
		if err != nil {
			return
		}
		m, err := mountSpecOf(opts)
		if err != nil {
			t.Fatalf("checked options do not parse: %v", err)
		}
		if m != nil && m.Bind() && m.Data != "" {
			t.Fatalf("bind mount with data %q", m.Data)
		}
		if m != nil && strings.Contains(m.Data, ",,") {
			t.Fatalf("empty words in data %q", m.Data)
		}
	})
}

func FuzzFilters(f *testing.F) {
	for _, seed := range []string{"name=a", "label=x=y", "dangling=true", "label!=k", "all=1", "=", "name"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, arg string) {
		if _, err := ParseListFilter([]string{arg}); err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Fatalf("list filter %q: %v", arg, err)
		}
		if _, err := ParsePruneFilter([]string{arg}); err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Fatalf("prune filter %q: %v", arg, err)
		}
		if validName(arg) && (strings.ContainsAny(arg, "/\x00") || strings.HasPrefix(arg, ".")) {
			t.Fatalf("name %q accepted", arg)
		}
	})
}
