package rootfs

import (
	"fmt"
	"sort"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// mountOptions is a spec mount's "type" and "options" decoded into what
// mount(2) and mount_setattr(2) take.
type mountOptions struct {
	flags       uintptr   // MS_* flags to set, MS_BIND and MS_REC included
	cleared     uintptr   // MS_* flags an option explicitly clears ("rw", "suid", ...)
	propagation []uintptr // MS_SHARED, MS_SLAVE, ... each applied by its own mount(2)
	recAttr     unix.MountAttr
	data        string // filesystem-specific options, comma-separated
	bind        bool
	recursive   bool // rbind
}

// Masks over the per-mount flags.
const (
	// atimeFlags are the access-time flags.
	atimeFlags = unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_STRICTATIME
	// lockableFlags are the flags the kernel locks (MNT_LOCK_*) on mounts a
	// user namespace inherits from a more privileged one. statfs(2) reports
	// them with the same bit values (ST_RDONLY == MS_RDONLY, ...).
	lockableFlags = unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC |
		unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME
	// bindOnlyFlags do not change a bind mount's per-mount flags, so a bind
	// carrying only these needs no remount.
	bindOnlyFlags = unix.MS_BIND | unix.MS_REC | unix.MS_REMOUNT
)

// flagOption is one option that sets or clears an MS_* flag.
type flagOption struct {
	name  string
	flag  uintptr
	clear bool
}

// flagOptions are mount(8)'s filesystem-independent options, as the
// runtime-spec lists them.
var flagOptions = [...]flagOption{
	{"async", unix.MS_SYNCHRONOUS, true}, {"atime", unix.MS_NOATIME, true},
	{"defaults", 0, false}, {"dev", unix.MS_NODEV, true},
	{"diratime", unix.MS_NODIRATIME, true}, {"dirsync", unix.MS_DIRSYNC, false},
	{"exec", unix.MS_NOEXEC, true}, {"iversion", unix.MS_I_VERSION, false},
	{"lazytime", unix.MS_LAZYTIME, false}, {"loud", unix.MS_SILENT, true},
	{"mand", unix.MS_MANDLOCK, false}, {"noatime", unix.MS_NOATIME, false},
	{"nodev", unix.MS_NODEV, false}, {"nodiratime", unix.MS_NODIRATIME, false},
	{"noexec", unix.MS_NOEXEC, false}, {"noiversion", unix.MS_I_VERSION, true},
	{"nolazytime", unix.MS_LAZYTIME, true}, {"nomand", unix.MS_MANDLOCK, true},
	{"norelatime", unix.MS_RELATIME, true}, {"nostrictatime", unix.MS_STRICTATIME, true},
	{"nosuid", unix.MS_NOSUID, false}, {"nosymfollow", unix.MS_NOSYMFOLLOW, false},
	{"relatime", unix.MS_RELATIME, false}, {"remount", unix.MS_REMOUNT, false},
	{"ro", unix.MS_RDONLY, false}, {"rw", unix.MS_RDONLY, true},
	{"silent", unix.MS_SILENT, false}, {"strictatime", unix.MS_STRICTATIME, false},
	{"suid", unix.MS_NOSUID, true}, {"symfollow", unix.MS_NOSYMFOLLOW, true},
	{"sync", unix.MS_SYNCHRONOUS, false},
}

// recursiveOptions are the "r"-prefixed options applied to a mount and all
// mounts below it with mount_setattr(AT_RECURSIVE).
var recursiveOptions = [...]struct {
	name  string
	attr  uint64
	clear bool
}{
	{"rro", unix.MOUNT_ATTR_RDONLY, false}, {"rrw", unix.MOUNT_ATTR_RDONLY, true},
	{"rnosuid", unix.MOUNT_ATTR_NOSUID, false}, {"rsuid", unix.MOUNT_ATTR_NOSUID, true},
	{"rnodev", unix.MOUNT_ATTR_NODEV, false}, {"rdev", unix.MOUNT_ATTR_NODEV, true},
	{"rnoexec", unix.MOUNT_ATTR_NOEXEC, false}, {"rexec", unix.MOUNT_ATTR_NOEXEC, true},
	{"rnodiratime", unix.MOUNT_ATTR_NODIRATIME, false}, {"rdiratime", unix.MOUNT_ATTR_NODIRATIME, true},
	{"rrelatime", unix.MOUNT_ATTR_RELATIME, false}, {"rnorelatime", unix.MOUNT_ATTR_RELATIME, true},
	{"rnoatime", unix.MOUNT_ATTR_NOATIME, false}, {"ratime", unix.MOUNT_ATTR_NOATIME, true},
	{"rstrictatime", unix.MOUNT_ATTR_STRICTATIME, false}, {"rnostrictatime", unix.MOUNT_ATTR_STRICTATIME, true},
	{"rnosymfollow", unix.MOUNT_ATTR_NOSYMFOLLOW, false}, {"rsymfollow", unix.MOUNT_ATTR_NOSYMFOLLOW, true},
}

// propagationFlags maps the propagation options to their MS_* flags.
func propagationFlags(o string) uintptr {
	switch o {
	case "private":
		return unix.MS_PRIVATE
	case "rprivate":
		return unix.MS_PRIVATE | unix.MS_REC
	case "slave":
		return unix.MS_SLAVE
	case "rslave":
		return unix.MS_SLAVE | unix.MS_REC
	case "shared":
		return unix.MS_SHARED
	case "rshared":
		return unix.MS_SHARED | unix.MS_REC
	case "unbindable":
		return unix.MS_UNBINDABLE
	case "runbindable":
		return unix.MS_UNBINDABLE | unix.MS_REC
	}
	return 0
}

// parseMount decodes a spec mount. A mount is a bind mount when its options
// hold "bind" or "rbind", or its type is "bind" or "rbind" (the type of a
// bind mount is otherwise a dummy). Options that are not mount(8)'s are
// passed to the filesystem as data, as the runtime-spec asks.
func parseMount(m *specs.Mount) (mountOptions, error) {
	o := mountOptions{}
	switch m.Type {
	case "bind":
		o.bind = true
	case "rbind":
		o.bind, o.recursive = true, true
	}
	if len(m.UIDMappings) > 0 || len(m.GIDMappings) > 0 {
		return o, fmt.Errorf("id-mapped mounts are not supported: %w", errdefs.ErrUnavailable)
	}
	var data strings.Builder
	for _, opt := range m.Options {
		if !o.parseOne(opt) {
			if err := unsupportedOption(opt); err != nil {
				return o, err
			}
			if data.Len() > 0 {
				data.WriteByte(',')
			}
			data.WriteString(opt)
		}
	}
	o.data = data.String()
	if o.bind {
		o.flags |= unix.MS_BIND
		if o.recursive {
			o.flags |= unix.MS_REC
		}
	}
	return o, nil
}

// parseOne applies one option it knows and reports whether it did.
func (o *mountOptions) parseOne(opt string) bool {
	switch opt {
	case "bind":
		o.bind = true
		return true
	case "rbind":
		o.bind, o.recursive = true, true
		return true
	}
	if p := propagationFlags(opt); p != 0 {
		o.propagation = append(o.propagation, p)
		return true
	}
	for _, f := range &flagOptions {
		if f.name == opt {
			if f.clear {
				o.flags &^= f.flag
				o.cleared |= f.flag
			} else {
				o.flags |= f.flag
				o.cleared &^= f.flag
			}
			return true
		}
	}
	return o.parseRecursive(opt)
}

// parseRecursive applies one "r"-prefixed option and reports whether it did.
func (o *mountOptions) parseRecursive(opt string) bool {
	if len(opt) < 3 || opt[0] != 'r' {
		return false
	}
	for _, r := range &recursiveOptions {
		if r.name != opt {
			continue
		}
		if r.clear {
			o.recAttr.Attr_clr |= r.attr
			o.recAttr.Attr_set &^= r.attr
		} else {
			o.recAttr.Attr_set |= r.attr
			o.recAttr.Attr_clr &^= r.attr
		}
		if r.attr&unix.MOUNT_ATTR__ATIME == r.attr {
			// mount_setattr(2): an access-time mode is set by clearing
			// the whole MOUNT_ATTR__ATIME field as well.
			o.recAttr.Attr_clr |= unix.MOUNT_ATTR__ATIME
		}
		return true
	}
	return false
}

// hasRecAttr reports whether a recursive option was given.
func (o *mountOptions) hasRecAttr() bool {
	return o.recAttr.Attr_set != 0 || o.recAttr.Attr_clr != 0
}

// unsupportedOption refuses the options the runtime-spec defines that hull
// does not implement, so they are not passed to the filesystem as data.
func unsupportedOption(opt string) error {
	switch opt {
	case "idmap", "ridmap":
		return fmt.Errorf("option %q: id-mapped mounts are not supported: %w", opt, errdefs.ErrUnavailable)
	case "tmpcopyup":
		return fmt.Errorf("option %q is not supported: %w", opt, errdefs.ErrUnavailable)
	}
	return nil
}

// describeFlags names MS_* flags for error messages ("nosuid,nodev").
func describeFlags(flags uintptr) string {
	var b strings.Builder
	for _, f := range &flagOptions {
		if !f.clear && f.flag != 0 && flags&f.flag == f.flag {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(f.name)
		}
	}
	return b.String()
}

// MountOptions lists every mount option hull understands, for the
// runtime-spec's features document: mount(8)'s flags, the recursive
// mount_setattr options, propagation and bind options.
func MountOptions() []string {
	opts := []string{"bind", "rbind", "private", "rprivate", "slave", "rslave",
		"shared", "rshared", "unbindable", "runbindable"}
	for _, o := range &flagOptions {
		opts = append(opts, o.name)
	}
	for _, o := range &recursiveOptions {
		opts = append(opts, o.name)
	}
	sort.Strings(opts)
	return opts
}
