package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const (
	testPasswd = `root:x:0:0:root:/root:/bin/sh
# a comment
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
alice:x:1000:1000:Alice:/home/alice:/bin/sh
broken:x:notanumber:0::/:/bin/sh
nohome:x:1001:1001
`
	testGroup = `root:x:0:
wheel:x:10:root
staff:x:50:
sudo:x:27:alice,bob
users:x:100:carol,alice
alice:x:1000:
video:x:44:
`
)

// newRootfs makes a directory with etc/passwd and etc/group.
func newRootfs(t *testing.T, passwd, group string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{"passwd": passwd, "group": group} {
		if content == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestResolveUser(t *testing.T) {
	root := newRootfs(t, testPasswd, testGroup)
	for _, tc := range []struct {
		user     string
		groupAdd []string
		want     specs.User
		home     string
		err      string
	}{
		{user: "", want: specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 10}}, home: "/root"},
		{user: "root", want: specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 10}}, home: "/root"},
		{user: "alice", want: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000, 27, 100}}, home: "/home/alice"},
		{user: "1000", want: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000, 27, 100}}, home: "/home/alice"},
		{user: "alice:staff", want: specs.User{UID: 1000, GID: 50, AdditionalGids: []uint32{50}}, home: "/home/alice"},
		{user: "1000:1000", want: specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000}}, home: "/home/alice"},
		{user: "alice:4000", want: specs.User{UID: 1000, GID: 4000, AdditionalGids: []uint32{4000}}, home: "/home/alice"},
		{user: "4242", want: specs.User{UID: 4242, GID: 0, AdditionalGids: []uint32{0}}, home: "/"},
		{user: "4242:4343", want: specs.User{UID: 4242, GID: 4343, AdditionalGids: []uint32{4343}}, home: "/"},
		{user: "nohome", want: specs.User{UID: 1001, GID: 1001, AdditionalGids: []uint32{1001}}, home: "/"},
		{user: "daemon", groupAdd: []string{"video", "555", "daemon"}, err: "Unable to find group daemon: no matching entries in group file"},
		{user: "daemon", groupAdd: []string{"video", "555", "1"},
			want: specs.User{UID: 1, GID: 1, AdditionalGids: []uint32{1, 44, 555}}, home: "/usr/sbin"},
		{user: "bob", err: "unable to find user bob: no matching entries in passwd file"},
		{user: "broken", err: "unable to find user broken: no matching entries in passwd file"},
		{user: "alice:nogroup", err: "unable to find group nogroup: no matching entries in group file"},
		{user: "99999999999", err: "uids and gids must be in range 0-2147483647"},
		{user: "1:99999999999", err: "uids and gids must be in range 0-2147483647"},
	} {
		u, home, err := ResolveUser(root, tc.user, tc.groupAdd)
		if checkErr(t, "ResolveUser("+tc.user+")", err, tc.err) && (!reflect.DeepEqual(u, tc.want) || home != tc.home) {
			t.Errorf("ResolveUser(%q, %q) = %+v, %q; want %+v, %q", tc.user, tc.groupAdd, u, home, tc.want, tc.home)
		}
	}
}

// Without /etc/passwd and /etc/group, numbers still work; names do not.
func TestResolveUserWithoutFiles(t *testing.T) {
	root := t.TempDir()
	u, home, err := ResolveUser(root, "1000:1000", []string{"44"})
	if want := (specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000, 44}}); err != nil || !reflect.DeepEqual(u, want) || home != "/" {
		t.Errorf("numeric user: %+v, %q, %v", u, home, err)
	}
	_, _, err = ResolveUser(root, "alice", nil)
	checkErr(t, "name without passwd", err, "unable to find user alice: no matching entries in passwd file")
	_, _, err = ResolveUser(filepath.Join(root, "missing"), "0", nil)
	if err == nil {
		t.Error("a missing rootfs resolved")
	}
}

// The image decides what its /etc/passwd is. A symlink that points at a
// host file (absolute, or climbing out with ..) must resolve inside the
// rootfs, so the host's file is never read.
func TestResolveUserHostileSymlinks(t *testing.T) {
	host := t.TempDir()
	hostFile := filepath.Join(host, "shadow")
	if err := os.WriteFile(hostFile, []byte("evil:x:0:0:evil:/evil:/bin/sh\nevilgroup:x:0:evil\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{hostFile, "../../../../../../../../" + hostFile, "/proc/self/root" + hostFile} {
		root := newRootfs(t, "", "")
		if err := os.Symlink(target, filepath.Join(root, "etc/passwd")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(root, "etc/group")); err != nil {
			t.Fatal(err)
		}
		_, _, err := ResolveUser(root, "evil", nil)
		if err == nil {
			t.Errorf("/etc/passwd -> %s: the host's file was read", target)
		}
		_, _, err = ResolveUser(root, "0", []string{"evilgroup"})
		if err == nil {
			t.Errorf("/etc/group -> %s: the host's file was read", target)
		}
	}
	// A symlinked /etc directory is resolved inside the rootfs too.
	root := t.TempDir()
	if err := os.Symlink(host, filepath.Join(root, "etc")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "passwd"), []byte("evil:x:0:0::/:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ResolveUser(root, "evil", nil); err == nil {
		t.Error("/etc -> host directory: the host's passwd was read")
	}
}

// A symlink that stays inside the rootfs is followed, as the container
// would follow it.
func TestResolveUserSymlinkInsideRootfs(t *testing.T) {
	root := newRootfs(t, "", testGroup)
	if err := os.MkdirAll(filepath.Join(root, "lib"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "lib/passwd"), []byte(testPasswd), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/lib/passwd", filepath.Join(root, "etc/passwd")); err != nil {
		t.Fatal(err)
	}
	u, home, err := ResolveUser(root, "alice", nil)
	if err != nil || u.UID != 1000 || home != "/home/alice" {
		t.Errorf("alice through a symlink: %+v, %q, %v", u, home, err)
	}
}

// A FIFO or a device as /etc/passwd is refused rather than read: one would
// block, the other could be endless.
func TestResolveUserNotARegularFile(t *testing.T) {
	root := newRootfs(t, "", testGroup)
	if err := unix.Mkfifo(filepath.Join(root, "etc/passwd"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := ResolveUser(root, "0", nil)
	checkErr(t, "FIFO passwd", err, "the image's /etc/passwd is not a regular file")
}
