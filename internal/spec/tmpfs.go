package spec

import (
	"fmt"
	"strings"
)

// ParseTmpfs reads one --tmpfs value, "/path[:options]", where options are
// tmpfs mount options separated by commas: size, mode, uid, gid,
// nr_inodes, nr_blocks and mpol as key=value, and the generic flags (ro,
// rw, exec, noexec, suid, nosuid, dev, nodev, atime words, sync, a
// propagation...). The mount is noexec, nosuid and nodev unless the
// options say otherwise (see MountRequest.Mount).
func ParseTmpfs(s string) (MountRequest, error) {
	target, data, _ := strings.Cut(s, ":")
	if err := validateTarget(target); err != nil {
		return MountRequest{}, invalid("%v", err)
	}
	r := MountRequest{Type: "tmpfs", Target: target}
	for _, o := range strings.Split(data, ",") {
		if o != "" {
			r.Options = append(r.Options, o)
		}
	}
	if err := checkTmpfsOptions(r.Options); err != nil {
		return MountRequest{}, err
	}
	// The last of ro and rw decides, as it does for mount(8).
	for _, o := range r.Options {
		if o == "ro" || o == "rw" {
			r.ReadOnly = o == "ro"
		}
	}
	r.clean()
	return r, nil
}

// tmpfsFlags are the generic mount flags a tmpfs may be given, each with
// the class of flags it excludes: of "exec" and "noexec" the last one given
// counts. "bind", "rbind" and "remount", which Docker lets through here,
// are refused: they would turn the tmpfs into something else.
var tmpfsFlags = map[string]string{
	"ro": "rdonly", "rw": "rdonly", "suid": "nosuid", "nosuid": "nosuid", "dev": "nodev",
	"nodev": "nodev", "exec": "noexec", "noexec": "noexec", "sync": "sync", "async": "sync",
	"dirsync": "dirsync", "mand": "mand", "nomand": "mand", "atime": "noatime",
	"noatime": "noatime", "diratime": "nodiratime", "nodiratime": "nodiratime",
	"relatime": "relatime", "norelatime": "relatime", "strictatime": "strictatime",
	"nostrictatime": "strictatime",
	"private":       "propagation", "rprivate": "propagation", "shared": "propagation",
	"rshared": "propagation", "slave": "propagation", "rslave": "propagation",
	"unbindable": "propagation", "runbindable": "propagation",
}

// tmpfsData are the filesystem options a tmpfs takes as key=value.
var tmpfsData = map[string]bool{
	"size": true, "mode": true, "uid": true, "gid": true, "nr_inodes": true, "nr_blocks": true, "mpol": true,
}

// checkTmpfsOptions refuses an option that is neither a tmpfs flag nor one
// of tmpfs's key=value options.
func checkTmpfsOptions(opts []string) error {
	for _, o := range opts {
		if o == "defaults" || tmpfsFlags[o] != "" {
			continue
		}
		kv := strings.SplitN(o, "=", 2)
		if len(kv) != 2 || !tmpfsData[kv[0]] {
			return invalid("Invalid tmpfs option %q", kv)
		}
	}
	return nil
}

// mergeTmpfsOptions keeps, of each class of flags and of each key, only the
// option given last, in the order the kept options were given; "defaults"
// goes. That lets a user's "exec" override the default "noexec".
func mergeTmpfsOptions(opts []string) ([]string, error) {
	if err := checkTmpfsOptions(opts); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var kept []string
	for i := len(opts) - 1; i >= 0; i-- {
		o := opts[i]
		if o == "defaults" {
			continue
		}
		class := tmpfsFlags[o]
		if class == "" {
			key, _, _ := strings.Cut(o, "=")
			class = fmt.Sprintf("data %s", key)
		}
		if !seen[class] {
			seen[class] = true
			kept = append(kept, o)
		}
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	return kept, nil
}
