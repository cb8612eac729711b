package cli

import (
	"strings"
	"testing"
)

// CONTAINER:PATH, unless the argument is plainly a local path.
func TestSplitCpArg(t *testing.T) {
	for arg, want := range map[string][2]string{
		"web:/etc/hosts":  {"web", "/etc/hosts"},
		"/abs/with:colon": {"", "/abs/with:colon"},
		"./rel:colon":     {"", "./rel:colon"},
		"plain":           {"", "plain"},
		"web:":            {"web", ""},
	} {
		if c, p := splitCpArg(arg); c != want[0] || p != want[1] {
			t.Errorf("%q: %q %q, want %q", arg, c, p, want)
		}
	}
}

// Docker's table of where a copy lands (docker cp's documentation).
func TestPrepareCopy(t *testing.T) {
	file := copyInfo{path: "/src/f", exists: true}
	dir := copyInfo{path: "/src/d", exists: true, isDir: true}
	contents := copyInfo{path: "/src/d/.", exists: true, isDir: true}
	for _, tc := range []struct {
		name      string
		src, dst  copyInfo
		dir, base string
		err       string
	}{
		{"file to a missing path", file, copyInfo{path: "/dst/new"}, "/dst", "new", ""},
		{"file to a missing dir/", file, copyInfo{path: "/dst/new/"}, "", "", "must exist"},
		{"file over a file", file, copyInfo{path: "/dst/old", exists: true}, "/dst", "old", ""},
		{"file into a dir", file, copyInfo{path: "/dst", exists: true, isDir: true}, "/dst", "f", ""},
		{"dir to a missing path", dir, copyInfo{path: "/dst/new"}, "/dst", "new", ""},
		{"dir over a file", dir, copyInfo{path: "/dst/old", exists: true}, "", "", "directory to a file"},
		{"dir into a dir", dir, copyInfo{path: "/dst", exists: true, isDir: true}, "/dst", "d", ""},
		{"dir/. into a dir", contents, copyInfo{path: "/dst", exists: true, isDir: true}, "/dst", ".", ""},
		{"followed link into a dir", copyInfo{path: "/real", exists: true, rebaseName: "link"},
			copyInfo{path: "/dst", exists: true, isDir: true}, "/dst", "link", ""},
	} {
		dir, base, err := prepareCopy(tc.src, tc.dst)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || dir != tc.dir || base != tc.base {
			t.Errorf("%s: %q %q %v, want %q %q", tc.name, dir, base, err, tc.dir, tc.base)
		}
	}
}

// A followed symlink keeps the name the user asked for.
func TestRebaseName(t *testing.T) {
	for _, tc := range []struct{ p, resolved, wantPath, wantName string }{
		{"/a/link", "/b/target", "/b/target", "link"},
		{"/a/same", "/b/same", "/b/same", ""},
		{"/a/link/.", "/b/target", "/b/target/.", ""}, // contents only: no name to keep
		{"/a/link/", "/b/target", "/b/target/", "link"},
	} {
		p, name := rebaseName(tc.p, tc.resolved)
		if p != tc.wantPath || name != tc.wantName {
			t.Errorf("%q -> %q: %q %q, want %q %q", tc.p, tc.resolved, p, name, tc.wantPath, tc.wantName)
		}
	}
}
