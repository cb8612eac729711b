package volume

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestCreateAndGet(t *testing.T) {
	s := newStore(t)
	v := mustCreate(t, s, CreateOptions{Name: "data", Labels: map[string]string{"app": "db"}})
	if v.Driver != "local" || v.Scope != "local" || v.Mountpoint != filepath.Join(s.Root(), "data", "_data") {
		t.Errorf("created %+v", v)
	}
	if fi, err := os.Stat(v.Mountpoint); err != nil || !fi.IsDir() {
		t.Fatalf("mountpoint: %v", err)
	}
	got, err := s.Get("data")
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels["app"] != "db" || !got.CreatedAt.Equal(v.CreatedAt) || got.CreatedAt.IsZero() {
		t.Errorf("get %+v, created %+v", got, v)
	}
	var rec map[string]any
	b, _ := os.ReadFile(filepath.Join(s.Root(), "data", "volume.json"))
	if err := json.Unmarshal(b, &rec); err != nil || rec["name"] != "data" || rec["driver"] != "local" {
		t.Errorf("volume.json %s: %v", b, err)
	}
	_, err = s.Get("nope")
	wantKind(t, err, errdefs.ErrNotFound, "get of a missing volume")
	if err.Error() != "no such volume: nope: not found" {
		t.Errorf("message %q", err)
	}
}

func TestCreateIsIdempotent(t *testing.T) {
	s := newStore(t)
	a := mustCreate(t, s, CreateOptions{Name: "tmp", Options: tmpfsOptions, Labels: map[string]string{"a": "1"}})
	b := mustCreate(t, s, CreateOptions{Name: "tmp", Options: tmpfsOptions, Labels: map[string]string{"b": "2"}})
	if !a.CreatedAt.Equal(b.CreatedAt) || b.Labels["a"] != "1" || b.Labels["b"] != "" {
		t.Errorf("second create returned %+v, first %+v", b, a)
	}
	// No options accept whatever the volume has: `-v tmp:/x`.
	c := mustCreate(t, s, CreateOptions{Name: "tmp"})
	if c.Options["type"] != "tmpfs" {
		t.Errorf("options %v", c.Options)
	}
	_, err := s.Create(CreateOptions{Name: "tmp", Options: map[string]string{"type": "tmpfs", "device": "tmpfs"}})
	wantKind(t, err, errdefs.ErrConflict, "create with other options")
}

func TestCreateRefuses(t *testing.T) {
	s := newStore(t)
	for _, tc := range []struct {
		opts CreateOptions
		kind error
		msg  string
	}{
		{CreateOptions{Name: "a"}, errdefs.ErrInvalidArgument, `includes invalid characters`},
		{CreateOptions{Name: "-x"}, errdefs.ErrInvalidArgument, `"-x" includes invalid characters for a local volume name`},
		{CreateOptions{Name: "../etc"}, errdefs.ErrInvalidArgument, `includes invalid characters`},
		{CreateOptions{Name: ".tmp-x"}, errdefs.ErrInvalidArgument, `includes invalid characters`},
		{CreateOptions{Name: "ok", Driver: "nfs"}, errdefs.ErrNotFound, `plugin "nfs" not found`},
		{CreateOptions{Name: "ok", Options: map[string]string{"foo": "bar"}}, errdefs.ErrInvalidArgument, `create ok: invalid option: "foo"`},
		{CreateOptions{Name: "ok", Options: map[string]string{"type": "tmpfs"}}, errdefs.ErrInvalidArgument, `missing required option: "device"`},
		{CreateOptions{Name: "ok", Options: map[string]string{"o": "size=1m", "type": "tmpfs"}}, errdefs.ErrInvalidArgument, `missing required option: "device"`},
		{CreateOptions{Name: "ok", Options: map[string]string{"type": "", "device": "", "o": "bind"}}, errdefs.ErrInvalidArgument, `missing required option: "type"`},
		{CreateOptions{Name: "ok", Options: map[string]string{"size": "1g"}}, errdefs.ErrInvalidArgument, `no quota support`},
		{CreateOptions{Name: "ok", Options: map[string]string{"type": "none", "device": "/x", "o": "bind,uid=1"}}, errdefs.ErrInvalidArgument, `bind mount takes no filesystem options`},
	} {
		_, err := s.Create(tc.opts)
		wantKind(t, err, tc.kind, tc.opts.Name)
		if !regexp.MustCompile(regexp.QuoteMeta(tc.msg)).MatchString(err.Error()) {
			t.Errorf("%+v: message %q lacks %q", tc.opts, err, tc.msg)
		}
	}
	if vs, _ := s.List(ListFilter{}); len(vs) != 0 {
		t.Errorf("refused creates left %d volumes", len(vs))
	}
}

func TestCreateAnonymous(t *testing.T) {
	s := newStore(t)
	v := mustCreate(t, s, CreateOptions{Labels: map[string]string{"x": "y"}})
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(v.Name) {
		t.Errorf("anonymous name %q", v.Name)
	}
	if l, ok := v.Labels[LabelAnonymous]; !ok || l != "" || v.Labels["x"] != "y" || !v.Anonymous() {
		t.Errorf("labels %v", v.Labels)
	}
	w := mustCreate(t, s, CreateOptions{})
	if w.Name == v.Name {
		t.Error("two anonymous volumes share a name")
	}
}

func TestListFilters(t *testing.T) {
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "db-data", Labels: map[string]string{"app": "db", "tier": "back"}})
	mustCreate(t, s, CreateOptions{Name: "web", Labels: map[string]string{"app": "web"}})
	mustCreate(t, s, CreateOptions{Name: "cache"})
	mustAcquire(t, s, "web", "c1")
	yes, no := true, false
	for _, tc := range []struct {
		f    ListFilter
		want []string
	}{
		{ListFilter{}, []string{"cache", "db-data", "web"}},
		{ListFilter{Names: []string{"db"}}, []string{"db-data"}},
		{ListFilter{Names: []string{"^c", "web"}}, []string{"cache", "web"}},
		{ListFilter{Names: []string{"[unclosed"}}, nil},
		{ListFilter{Labels: []string{"app"}}, []string{"db-data", "web"}},
		{ListFilter{Labels: []string{"app=db", "tier"}}, []string{"db-data"}},
		{ListFilter{Labels: []string{"app=db", "tier=front"}}, nil},
		{ListFilter{Dangling: &yes}, []string{"cache", "db-data"}},
		{ListFilter{Dangling: &no}, []string{"web"}},
		{ListFilter{Drivers: []string{"local"}}, []string{"cache", "db-data", "web"}},
		{ListFilter{Drivers: []string{"nfs"}}, nil},
	} {
		vs, err := s.List(tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, v := range vs {
			names = append(names, v.Name)
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("filter %+v: %v, want %v", tc.f, names, tc.want)
		}
	}
}

func TestParseFilters(t *testing.T) {
	f, err := ParseListFilter([]string{"name=a", "label=x=y", "dangling=1", "driver=local", "name=b"})
	if err != nil || !slices.Equal(f.Names, []string{"a", "b"}) || f.Labels[0] != "x=y" || f.Dangling == nil || !*f.Dangling {
		t.Errorf("%+v %v", f, err)
	}
	for _, bad := range []string{"foo=bar", "dangling=maybe", "name"} {
		_, err := ParseListFilter([]string{bad})
		wantKind(t, err, errdefs.ErrInvalidArgument, bad)
	}
	p, err := ParsePruneFilter([]string{"all=true", "label=a", "label!=b=c"})
	if err != nil || !p.All || p.Labels[0] != "a" || p.NotLabels[0] != "b=c" {
		t.Errorf("%+v %v", p, err)
	}
	_, err = ParsePruneFilter([]string{"dangling=true"})
	wantKind(t, err, errdefs.ErrInvalidArgument, "dangling in prune")
}

func TestRemove(t *testing.T) {
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "vol"})
	mustAcquire(t, s, "vol", "bbb")
	mustAcquire(t, s, "vol", "aaa")
	mustAcquire(t, s, "vol", "aaa") // idempotent
	users, err := s.Users("vol")
	if err != nil || !slices.Equal(users, []string{"aaa", "bbb"}) {
		t.Fatalf("users %v %v", users, err)
	}
	err = s.Remove("vol")
	wantKind(t, err, errdefs.ErrConflict, "remove in use")
	if want := "remove vol: volume is in use - [aaa, bbb]: conflict"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	for _, id := range []string{"aaa", "bbb", "bbb"} {
		if err := s.Release("vol", id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Remove("vol"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(s.Root(), "vol")); !os.IsNotExist(err) {
		t.Errorf("directory left: %v", err)
	}
	wantKind(t, s.Remove("vol"), errdefs.ErrNotFound, "second remove")
	if err := s.Release("vol", "aaa"); err != nil {
		t.Errorf("release of a removed volume: %v", err)
	}
	_, err = s.Acquire("vol", "aaa")
	wantKind(t, err, errdefs.ErrNotFound, "acquire of a removed volume")
	_, err = s.Acquire("x1", "../evil")
	wantKind(t, err, errdefs.ErrInvalidArgument, "acquire with a bad id")
	if entries, _ := os.ReadDir(s.Root()); len(entries) != 1 || entries[0].Name() != ".lock" {
		t.Errorf("root holds %v", entries)
	}
}

// A volume's data survives its containers: a file written through one
// container's host path is there for the next.
func TestDataOutlivesUsers(t *testing.T) {
	s := newStore(t)
	mustCreate(t, s, CreateOptions{Name: "keep"})
	host := mustAcquire(t, s, "keep", "c1")
	writeFile(t, filepath.Join(host, "sub/file"), "hello")
	if err := s.Release("keep", "c1"); err != nil {
		t.Fatal(err)
	}
	host = mustAcquire(t, s, "keep", "c2")
	if b, err := os.ReadFile(filepath.Join(host, "sub/file")); err != nil || string(b) != "hello" {
		t.Errorf("data after a new acquire: %q %v", b, err)
	}
}
