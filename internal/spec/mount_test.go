package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseVolume(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want MountRequest
		err  string
	}{
		{in: "/host:/ctr", want: MountRequest{Type: "bind", Source: "/host", Target: "/ctr", Propagation: "rprivate"}},
		{in: "/host/:/ctr/x/..:ro", want: MountRequest{Type: "bind", Source: "/host", Target: "/ctr", ReadOnly: true, Propagation: "rprivate"}},
		{in: "/host:/ctr:rw,rshared", want: MountRequest{Type: "bind", Source: "/host", Target: "/ctr", Propagation: "rshared"}},
		{in: "/host:/ctr:z,ro,slave,cached", want: MountRequest{Type: "bind", Source: "/host", Target: "/ctr",
			ReadOnly: true, Propagation: "slave", Options: []string{"z", "cached"}}},
		{in: "./data:/ctr", want: MountRequest{Type: "bind", Source: filepath.Join(cwd, "data"), Target: "/ctr", Propagation: "rprivate"}},
		{in: "myvol:/data", want: MountRequest{Type: "volume", Source: "myvol", Target: "/data"}},
		{in: "myvol:/data:ro,nocopy", want: MountRequest{Type: "volume", Source: "myvol", Target: "/data", ReadOnly: true, NoCopy: true}},
		{in: "/data", want: MountRequest{Type: "volume", Target: "/data"}},
		{in: "", err: "invalid volume specification: ''"},
		{in: ":/ctr", err: "invalid volume specification: ':/ctr'"},
		{in: "/a:/b:ro:x", err: "invalid volume specification: '/a:/b:ro:x'"},
		{in: "/ctr:ro", err: "invalid volume specification: '/ctr:ro'"},
		{in: "/a:/b:rx", err: "invalid mode: rx"},
		{in: "/a:/b:ro,rw", err: "invalid mode: ro,rw"},
		{in: "/a:/b:shared,slave", err: "invalid mode: shared,slave"},
		{in: "/a:/", err: `invalid mount config for type "bind": invalid specification: destination can't be '/'`},
		{in: "/a:ctr", err: `invalid mount config for type "bind": invalid mount path: 'ctr' mount path must be absolute`},
		{in: "/a::ro", err: `invalid mount config for type "bind": field Target must not be empty`},
		{in: "ctr", err: `invalid mount config for type "volume": invalid mount path: 'ctr' mount path must be absolute`},
		{in: "/a:/b:nocopy", err: `invalid mount config for type "bind": field VolumeOptions must not be specified`},
		{in: "vol:/b:rshared", err: `invalid mount config for type "volume": field BindOptions must not be specified`},
		{in: "v:/ctr", err: `"v" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
		{in: "a/b:/ctr", err: `"a/b" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`},
	} {
		got, err := ParseVolume(tc.in)
		if checkErr(t, "ParseVolume("+tc.in+")", err, tc.err) && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseVolume(%q) =\n  %+v\nwant\n  %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseMount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want MountRequest
		err  string
	}{
		{in: "type=bind,source=/h,target=/c", want: MountRequest{Type: "bind", Source: "/h", Target: "/c", Propagation: "rprivate"}},
		{in: "type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave",
			want: MountRequest{Type: "bind", Source: "/h", Target: "/c", ReadOnly: true, Propagation: "rslave"}},
		{in: "TYPE=BIND,src=/h,destination=/c,ro=false", want: MountRequest{Type: "bind", Source: "/h", Target: "/c", Propagation: "rprivate"}},
		{in: "src=v1,dst=/c", want: MountRequest{Type: "volume", Source: "v1", Target: "/c"}},
		{in: "type=volume,src=v1,dst=/c,ro=1,volume-nocopy,volume-opt=type=nfs,volume-opt=o=addr=1.2.3.4,volume-label=a=b",
			want: MountRequest{Type: "volume", Source: "v1", Target: "/c", ReadOnly: true, NoCopy: true,
				VolumeOptions: map[string]string{"type": "nfs", "o": "addr=1.2.3.4"}, VolumeLabels: map[string]string{"a": "b"}}},
		{in: "type=volume,dst=/anon", want: MountRequest{Type: "volume", Target: "/anon"}},
		{in: "type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770", want: MountRequest{Type: "tmpfs", Target: "/t", Options: []string{"mode=1770", "size=64m"}}},
		{in: "type=tmpfs,dst=/t,tmpfs-size=1536", want: MountRequest{Type: "tmpfs", Target: "/t", Options: []string{"size=1536"}}},
		{in: "type=tmpfs,dst=/t,tmpfs-size=3k,readonly", want: MountRequest{Type: "tmpfs", Target: "/t", ReadOnly: true, Options: []string{"size=3k"}}},
		{in: `"type=bind","src=/a,b",dst=/c`, want: MountRequest{Type: "bind", Source: "/a,b", Target: "/c", Propagation: "rprivate"}},
		{in: "", err: "value is empty"},
		{in: "type=bind,src=/h", err: `invalid mount config for type "bind": field Target must not be empty`},
		{in: "type=bind,dst=/c", err: `invalid mount config for type "bind": field Source must not be empty`},
		{in: "type=bind,src=rel,dst=/c", err: `invalid mount config for type "bind": invalid mount path: 'rel' mount path must be absolute`},
		{in: "type=bind,src=/h,dst=/c,bind-propagation=weird", err: `invalid mount config for type "bind": invalid propagation mode: weird`},
		{in: "type=bind,src=/h,dst=/c,volume-nocopy", err: "cannot mix 'volume-*' options with mount type 'bind'"},
		{in: "type=volume,src=v,dst=/c,bind-propagation=shared", err: "cannot mix 'bind-*' options with mount type 'volume'"},
		{in: "type=bind,src=/h,dst=/c,tmpfs-size=1m", err: "cannot mix 'tmpfs-*' options with mount type 'bind'"},
		{in: "type=tmpfs,src=/h,dst=/c", err: `invalid mount config for type "tmpfs": field Source must not be specified`},
		{in: "type=volume,dst=/c,readonly", err: `invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes`},
		{in: "type=image,src=x,dst=/c", err: `invalid mount config for type "image": mount type unknown`},
		{in: "type=bind,src=/h,dst=/", err: `invalid mount config for type "bind": invalid specification: destination can't be '/'`},
		{in: "type=bind,src=/h,dst=/c,ro=yes", err: `invalid value for 'ro': invalid boolean value ("yes"): must be one of "true", "1", "false", or "0" (default "true")`},
		{in: "type=bind,src=/h,dst=/c,bogus=1", err: "unknown option 'bogus' in 'bogus=1'"},
		{in: "type=bind,src=/h,target", err: "invalid field 'target' must be a key=value pair"},
		{in: "type=bind,src=,dst=/c", err: "invalid value for 'src': value is empty"},
		{in: "type=bind,src= /h,dst=/c", err: "invalid value for 'src' in 'src= /h': value should not have whitespace"},
		{in: "type=bind, src=/h,dst=/c", err: "invalid option 'src' in ' src=/h': option should not have whitespace"},
		{in: "type=tmpfs,dst=/t,tmpfs-size=lots", err: "invalid value for tmpfs-size: lots"},
		{in: "type=tmpfs,dst=/t,tmpfs-mode=999", err: "invalid value for tmpfs-mode: 999"},
		{in: `type="bind`, err: `parse error on line 1, column 6: bare " in non-quoted-field`},
	} {
		got, err := ParseMount(tc.in)
		if checkErr(t, "ParseMount("+tc.in+")", err, tc.err) && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseMount(%q) =\n  %+v\nwant\n  %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseTmpfs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want MountRequest
		err  string
	}{
		{in: "/run", want: MountRequest{Type: "tmpfs", Target: "/run"}},
		{in: "/run:rw,size=64m", want: MountRequest{Type: "tmpfs", Target: "/run", Options: []string{"rw", "size=64m"}}},
		{in: "/run/:ro,exec,mode=700,uid=1000", want: MountRequest{Type: "tmpfs", Target: "/run", ReadOnly: true,
			Options: []string{"ro", "exec", "mode=700", "uid=1000"}}},
		{in: "/run:", want: MountRequest{Type: "tmpfs", Target: "/run"}},
		{in: "run", err: "invalid mount path: 'run' mount path must be absolute"},
		{in: "/", err: "invalid specification: destination can't be '/'"},
		{in: "/run:bogus", err: `Invalid tmpfs option ["bogus"]`},
		{in: "/run:size=1m,colour=red", err: `Invalid tmpfs option ["colour" "red"]`},
		{in: "/run:bind", err: `Invalid tmpfs option ["bind"]`},
	} {
		got, err := ParseTmpfs(tc.in)
		if checkErr(t, "ParseTmpfs("+tc.in+")", err, tc.err) && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTmpfs(%q) =\n  %+v\nwant\n  %+v", tc.in, got, tc.want)
		}
	}
}

// A request becomes the config.json mount Docker would write for it.
func TestMountRequestMount(t *testing.T) {
	must := func(r MountRequest, err error) MountRequest {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		req    MountRequest
		source string
		want   specs.Mount
	}{
		{must(ParseVolume("/h:/c")), "/h",
			specs.Mount{Destination: "/c", Type: "bind", Source: "/h", Options: []string{"rbind", "rprivate"}}},
		{must(ParseVolume("/h:/c:ro,rshared")), "/h",
			specs.Mount{Destination: "/c", Type: "bind", Source: "/h", Options: []string{"rbind", "rro", "rshared"}}},
		{must(ParseVolume("vol:/c:ro")), "/var/lib/hull/volumes/vol/_data",
			specs.Mount{Destination: "/c", Type: "bind", Source: "/var/lib/hull/volumes/vol/_data", Options: []string{"rbind", "rro"}}},
		{must(ParseTmpfs("/run")), "",
			specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"noexec", "nosuid", "nodev", "rprivate"}}},
		{must(ParseTmpfs("/run:exec,size=64m,rw,size=32m")), "",
			specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "rprivate", "exec", "rw", "size=32m"}}},
		{must(ParseMount("type=tmpfs,dst=/t,tmpfs-size=1g,tmpfs-mode=1777,ro")), "",
			specs.Mount{Destination: "/t", Type: "tmpfs", Source: "tmpfs", Options: []string{"noexec", "nosuid", "nodev", "rprivate", "mode=1777", "size=1g", "ro"}}},
	} {
		got, err := tc.req.Mount(tc.source)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v.Mount(%q) =\n  %+v, %v\nwant\n  %+v", tc.req, tc.source, got, err, tc.want)
		}
	}
	_, err := MountRequest{Type: "npipe", Target: "/x"}.Mount("")
	checkErr(t, "npipe", err, `invalid mount config for type "npipe": mount type unknown`)
}

func TestCheckBindSource(t *testing.T) {
	dir := t.TempDir()
	if err := CheckBindSource(MountRequest{Type: "bind", Source: dir, Target: "/x"}); err != nil {
		t.Errorf("existing source: %v", err)
	}
	missing := filepath.Join(dir, "x")
	err := CheckBindSource(MountRequest{Type: "bind", Source: missing, Target: "/x"})
	checkErr(t, "missing source", err, `invalid mount config for type "bind": bind source path does not exist: `+missing)
	if err := CheckBindSource(MountRequest{Type: "volume", Source: "vol", Target: "/x"}); err != nil {
		t.Errorf("volume: %v", err)
	}
}
