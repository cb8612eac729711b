package spec

import (
	"errors"
	"path"
	"testing"

	"github.com/hullrt/hull/internal/errdefs"
)

// checkRequest holds a parsed request to what every parser promises: a
// known type, a clean absolute target other than "/", a request that
// validates again and that Mount accepts. A parse error is always an
// ErrInvalidArgument.
func checkRequest(t *testing.T, in string, r MountRequest, err error) {
	t.Helper()
	if err != nil {
		if !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Fatalf("%q: error %v is not an ErrInvalidArgument", in, err)
		}
		return
	}
	if r.Type != "bind" && r.Type != "volume" && r.Type != "tmpfs" {
		t.Fatalf("%q: type %q", in, r.Type)
	}
	if !path.IsAbs(r.Target) || path.Clean(r.Target) != r.Target || r.Target == "/" {
		t.Fatalf("%q: target %q", in, r.Target)
	}
	if r.Type == "bind" && (!path.IsAbs(r.Source) || r.Propagation == "") {
		t.Fatalf("%q: bind %+v", in, r)
	}
	again := r
	if err := again.validate(); err != nil {
		t.Fatalf("%q: parsed %+v does not validate: %v", in, r, err)
	}
	m, err := r.Mount("/somewhere")
	if err != nil || m.Destination != r.Target {
		t.Fatalf("%q: Mount = %+v, %v", in, m, err)
	}
}

func FuzzParseVolume(f *testing.F) {
	for _, s := range []string{
		"/host:/ctr", "/host:/ctr:ro,rshared", "vol:/data:nocopy", "/data", "./x:/y:z",
		"/a:/b:ro:x", "::", "/a:/", "vol:/b:rshared", "a/b:/c", "/ctr:ro",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseVolume(s)
		checkRequest(t, s, r, err)
	})
}

func FuzzParseMount(f *testing.F) {
	for _, s := range []string{
		"type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave",
		"type=volume,src=v1,dst=/c,volume-nocopy,volume-opt=type=nfs,volume-label=a=b",
		"type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770",
		`"type=bind","src=/a,b",dst=/c`, "dst=/anon", "type=tmpfs,src=/x,dst=/y", "type=bind,src=/h,dst=/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseMount(s)
		checkRequest(t, s, r, err)
	})
}

func FuzzParseTmpfs(f *testing.F) {
	for _, s := range []string{"/run", "/run:rw,size=64m", "/run:exec,mode=700", "run", "/:x", "/run:bind"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseTmpfs(s)
		checkRequest(t, s, r, err)
	})
}
