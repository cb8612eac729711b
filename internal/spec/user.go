package spec

import (
	"bufio"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// passwdEntry is one line of /etc/passwd that matters here.
type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

// groupEntry is one line of /etc/group.
type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// maxID is the largest uid or gid Docker accepts.
const maxID = math.MaxInt32

// parseID reads a numeric uid or gid.
func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n > maxID {
		return 0, false
	}
	return uint32(n), true
}

// fileLines calls fn with the colon-separated fields of each line of r
// that is not empty or a comment.
func fileLines(r io.Reader, fn func(fields []string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fn(strings.Split(line, ":"))
	}
	return sc.Err()
}

// parsePasswd reads /etc/passwd. A line whose uid or gid is not a number is
// skipped: taking it as 0, as libc-less parsers often do, would make an
// odd image's user root.
func parsePasswd(r io.Reader) ([]passwdEntry, error) {
	var out []passwdEntry
	err := fileLines(r, func(f []string) {
		if len(f) < 4 {
			return
		}
		uid, ok1 := parseID(f[2])
		gid, ok2 := parseID(f[3])
		if !ok1 || !ok2 {
			return
		}
		e := passwdEntry{name: f[0], uid: uid, gid: gid}
		if len(f) > 5 {
			e.home = f[5]
		}
		out = append(out, e)
	})
	return out, err
}

// parseGroup reads /etc/group.
func parseGroup(r io.Reader) ([]groupEntry, error) {
	var out []groupEntry
	err := fileLines(r, func(f []string) {
		if len(f) < 3 {
			return
		}
		gid, ok := parseID(f[2])
		if !ok {
			return
		}
		e := groupEntry{name: f[0], gid: gid}
		if len(f) > 3 && f[3] != "" {
			e.members = strings.Split(f[3], ",")
		}
		out = append(out, e)
	})
	return out, err
}

// userDB is an image's /etc/passwd and /etc/group, each nil if missing.
type userDB struct {
	passwd []passwdEntry
	group  []groupEntry
}

// resolve applies Docker's rules (those of runc's user package, which
// Docker uses) to a --user value "user[:group]" and --group-add values:
//
//   - user is a name or a uid from /etc/passwd; a uid that has no entry is
//     taken as it is (with gid 0 and home "/"), a name that has none is an
//     error. The empty user is uid 0.
//   - group, if given, is a name or gid from /etc/group, a gid that has no
//     entry again taken as it is; it replaces the user's primary group and
//     then the user gets no supplementary groups from /etc/group.
//   - without a group, the user's supplementary groups are the groups of
//     /etc/group that list the user's name as a member.
//   - --group-add names or gids are added; a name must exist.
//
// The primary gid comes first in the additional gids, as Docker puts it
// there since 23.0.1 (so that no group the runtime started with survives).
func (db userDB) resolve(spec string, groupAdd []string) (specs.User, string, error) {
	userArg, groupArg, _ := strings.Cut(spec, ":")
	pw, err := db.lookupUser(userArg)
	if err != nil {
		return specs.User{}, "", err
	}
	u := specs.User{UID: pw.uid, GID: pw.gid}
	var sgids []uint32
	if groupArg != "" {
		if u.GID, err = db.lookupGroup(groupArg); err != nil {
			return specs.User{}, "", err
		}
	} else if pw.name != "" {
		for _, g := range db.group {
			if slices.Contains(g.members, pw.name) {
				sgids = append(sgids, g.gid)
			}
		}
	}
	for _, name := range groupAdd {
		gid, err := db.lookupGroupAdd(name)
		if err != nil {
			return specs.User{}, "", err
		}
		sgids = append(sgids, gid)
	}
	u.AdditionalGids = []uint32{u.GID}
	for _, g := range sgids {
		if !slices.Contains(u.AdditionalGids, g) {
			u.AdditionalGids = append(u.AdditionalGids, g)
		}
	}
	return u, pw.home, nil
}

// lookupUser finds a user by name or uid; see resolve.
func (db userDB) lookupUser(arg string) (passwdEntry, error) {
	uid, numeric := parseID(arg)
	if arg == "" {
		uid, numeric = 0, true
	}
	for _, e := range db.passwd {
		if e.name == arg || numeric && e.uid == uid {
			if e.home == "" {
				e.home = "/"
			}
			return e, nil
		}
	}
	if numeric {
		return passwdEntry{uid: uid, home: "/"}, nil
	}
	if strings.Trim(arg, "0123456789") == "" {
		return passwdEntry{}, invalid("uids and gids must be in range 0-%d", maxID)
	}
	return passwdEntry{}, invalid("unable to find user %s: no matching entries in passwd file", arg)
}

// lookupGroup finds the group of --user's group part by name or gid.
func (db userDB) lookupGroup(arg string) (uint32, error) {
	gid, numeric := parseID(arg)
	for _, g := range db.group {
		if g.name == arg || numeric && g.gid == gid {
			return g.gid, nil
		}
	}
	if numeric {
		return gid, nil
	}
	if strings.Trim(arg, "0123456789") == "" {
		return 0, invalid("uids and gids must be in range 0-%d", maxID)
	}
	return 0, invalid("unable to find group %s: no matching entries in group file", arg)
}

// lookupGroupAdd finds a --group-add group: by name first, then as a gid.
func (db userDB) lookupGroupAdd(arg string) (uint32, error) {
	for _, g := range db.group {
		if g.name == arg {
			return g.gid, nil
		}
	}
	if gid, ok := parseID(arg); ok {
		return gid, nil
	}
	return 0, invalid("Unable to find group %s: no matching entries in group file", arg)
}
