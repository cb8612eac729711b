package volume

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// Options of the local driver. Docker's rules: each of type, device and o
// needs the others it names in requires; size asks for a quota, which
// needs a filesystem with project quotas that hull does not set up.
var requires = map[string][]string{
	"type":   {"device"},
	"device": {"type"},
	"o":      {"device", "type"},
	"size":   nil,
}

// checkOptions validates a volume's driver options as Create receives them.
func checkOptions(opts map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(opts)) {
		need, ok := requires[k]
		if !ok {
			return fmt.Errorf("invalid option: %q: %w", k, errdefs.ErrInvalidArgument)
		}
		for _, n := range need {
			if opts[n] == "" {
				return fmt.Errorf("missing required option: %q: %w", n, errdefs.ErrInvalidArgument)
			}
		}
	}
	if _, ok := opts["size"]; ok {
		return fmt.Errorf("quota size requested but no quota support: %w", errdefs.ErrInvalidArgument)
	}
	if o, ok := opts["o"]; ok {
		if _, err := parseMountOptions(o); err != nil {
			return err
		}
	}
	return nil
}

// mountSpec is a device volume's mount(2), from its options.
type mountSpec struct {
	Type, Device string
	Flags        uintptr   // MS_* flags for the mount itself
	Propagation  []uintptr // MS_SHARED and the like, each a mount(2) of its own
	Data         string    // what the filesystem parses: size=64m,uid=1000
}

// Bind reports whether the spec is a bind mount, which takes no data and
// needs a second, remounting call to apply flags such as ro.
func (m *mountSpec) Bind() bool { return m.Flags&unix.MS_BIND != 0 }

// flagWords are the mount(8) words that are flags rather than filesystem
// data; clear means the word removes its flag (rw, suid, dev, ...).
var flagWords = map[string]struct {
	clear bool
	flag  uintptr
}{
	"defaults":      {false, 0},
	"ro":            {false, unix.MS_RDONLY},
	"rw":            {true, unix.MS_RDONLY},
	"suid":          {true, unix.MS_NOSUID},
	"nosuid":        {false, unix.MS_NOSUID},
	"dev":           {true, unix.MS_NODEV},
	"nodev":         {false, unix.MS_NODEV},
	"exec":          {true, unix.MS_NOEXEC},
	"noexec":        {false, unix.MS_NOEXEC},
	"sync":          {false, unix.MS_SYNCHRONOUS},
	"async":         {true, unix.MS_SYNCHRONOUS},
	"dirsync":       {false, unix.MS_DIRSYNC},
	"mand":          {false, unix.MS_MANDLOCK},
	"nomand":        {true, unix.MS_MANDLOCK},
	"atime":         {true, unix.MS_NOATIME},
	"noatime":       {false, unix.MS_NOATIME},
	"diratime":      {true, unix.MS_NODIRATIME},
	"nodiratime":    {false, unix.MS_NODIRATIME},
	"relatime":      {false, unix.MS_RELATIME},
	"norelatime":    {true, unix.MS_RELATIME},
	"strictatime":   {false, unix.MS_STRICTATIME},
	"nostrictatime": {true, unix.MS_STRICTATIME},
	"bind":          {false, unix.MS_BIND},
	"rbind":         {false, unix.MS_BIND | unix.MS_REC},
}

var propagationWords = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// parseMountOptions splits an o= value into flags and filesystem data.
// Words it does not know are data for the filesystem, which judges them
// at mount time, as mount(8) leaves them to the kernel.
func parseMountOptions(o string) (mountSpec, error) {
	var m mountSpec
	var data []string
	for _, w := range strings.Split(o, ",") {
		if w == "" {
			continue
		}
		if f, ok := flagWords[w]; ok {
			if f.clear {
				m.Flags &^= f.flag
			} else {
				m.Flags |= f.flag
			}
			continue
		}
		if p, ok := propagationWords[w]; ok {
			m.Propagation = append(m.Propagation, p)
			continue
		}
		if w == "remount" {
			return m, fmt.Errorf("invalid mount option %q in o=%q: %w", w, o, errdefs.ErrInvalidArgument)
		}
		data = append(data, w)
	}
	if m.Bind() && len(data) > 0 {
		return m, fmt.Errorf("a bind mount takes no filesystem options, got %q: %w",
			strings.Join(data, ","), errdefs.ErrInvalidArgument)
	}
	m.Data = strings.Join(data, ",")
	return m, nil
}

// mountSpecOf is the mount a volume's options describe, or nil for a plain
// volume.
func mountSpecOf(opts map[string]string) (*mountSpec, error) {
	if opts["type"] == "" && opts["device"] == "" {
		return nil, nil
	}
	m, err := parseMountOptions(opts["o"])
	if err != nil {
		return nil, err
	}
	m.Type, m.Device = opts["type"], opts["device"]
	return &m, nil
}

// ephemeral reports whether the mount's content vanishes when it is
// unmounted, so that a fill from the image must happen again.
func (m *mountSpec) ephemeral() bool {
	return !m.Bind() && (m.Type == "tmpfs" || m.Type == "ramfs")
}
