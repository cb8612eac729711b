package spec

import (
	"encoding/csv"
	"path"
	"path/filepath"
	"strconv"
	"strings"
)

// volumeModeClass sorts the words of -v's third field; each class may
// appear once.
var volumeModeClass = map[string]string{
	"rw": "rw", "ro": "rw",
	"z": "label", "Z": "label",
	"private": "propagation", "rprivate": "propagation", "shared": "propagation",
	"rshared": "propagation", "slave": "propagation", "rslave": "propagation",
	"nocopy":     "copy",
	"consistent": "consistency", "cached": "consistency", "delegated": "consistency",
}

// validVolumeMode reports whether mode is a comma-separated list of -v
// mode words with at most one of each class. The empty mode is valid.
func validVolumeMode(mode string) bool {
	if mode == "" {
		return true
	}
	seen := map[string]bool{}
	for _, w := range strings.Split(mode, ",") {
		class, ok := volumeModeClass[w]
		if !ok || seen[class] {
			return false
		}
		seen[class] = true
	}
	return true
}

// ParseVolume reads one -v value: "/host:/ctr[:mode]" binds a host path,
// "name:/ctr[:mode]" mounts a named volume, and "/ctr" alone an anonymous
// one. mode is a comma-separated list of: ro or rw; z or Z (accepted, not
// acted on: hull has no SELinux support); a propagation (private,
// rprivate, shared, rshared, slave, rslave; binds only); nocopy (volumes
// only); a consistency mode (accepted and ignored, as on Linux Docker). A
// relative host path starting with "." is made absolute.
func ParseVolume(s string) (MountRequest, error) {
	if strings.Count(s, ":") > 2 || s == "" || strings.HasPrefix(s, ":") {
		return MountRequest{}, invalid("invalid volume specification: '%s'", s)
	}
	fields := strings.Split(s, ":")
	var r MountRequest
	mode := ""
	switch len(fields) {
	case 1:
		r.Target = fields[0]
	case 2:
		if validVolumeMode(fields[1]) {
			// A mode with no source: "/ctr:ro" is not a volume.
			return MountRequest{}, invalid("invalid volume specification: '%s'", s)
		}
		r.Source, r.Target = fields[0], fields[1]
	case 3:
		r.Source, r.Target, mode = fields[0], fields[1], fields[2]
	}
	if !validVolumeMode(mode) {
		return MountRequest{}, invalid("invalid mode: %v", mode)
	}
	r.Source = absSource(r.Source)
	r.Type = "volume"
	if path.IsAbs(r.Source) {
		r.Type = "bind"
	}
	r.applyVolumeMode(mode)
	if err := r.validate(); err != nil {
		return MountRequest{}, err
	}
	r.clean()
	return r, nil
}

// applyVolumeMode sets what the words of a valid -v mode ask for.
func (r *MountRequest) applyVolumeMode(mode string) {
	if mode == "" {
		return
	}
	for _, w := range strings.Split(mode, ",") {
		switch volumeModeClass[w] {
		case "rw":
			r.ReadOnly = w == "ro"
		case "propagation":
			r.Propagation = w
		case "copy":
			r.NoCopy = true
		default:
			r.Options = append(r.Options, w)
		}
	}
}

// absSource makes a relative host path that starts with "." absolute, as
// Docker's CLI does; anything else is left to read as a volume name.
func absSource(src string) string {
	if src == "" || filepath.IsAbs(src) || !strings.HasPrefix(src, ".") {
		return src
	}
	if abs, err := filepath.Abs(src); err == nil {
		return abs
	}
	return src
}

// clean normalises the paths of a validated request and fills in the
// default propagation of a bind.
func (r *MountRequest) clean() {
	r.Target = path.Clean(r.Target)
	if r.Type == "bind" {
		r.Source = path.Clean(r.Source)
		if r.Propagation == "" {
			r.Propagation = "rprivate"
		}
	}
}

// ParseMount reads one --mount value, a comma-separated list of key=value
// fields (CSV, so a field may be quoted): type (bind, volume or tmpfs;
// default volume), source or src, target, dst or destination, readonly or
// ro (alone or =true|false|1|0), bind-propagation, volume-nocopy,
// volume-opt (key=value, repeatable), volume-label (key=value,
// repeatable), tmpfs-size (a size as ParseBytes reads it) and tmpfs-mode
// (octal). Options of one type may not be given for another.
func ParseMount(s string) (MountRequest, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return MountRequest{}, invalid("value is empty")
	}
	fields, err := csv.NewReader(strings.NewReader(s)).Read()
	if err != nil {
		return MountRequest{}, invalid("%v", err)
	}
	m := mountFields{r: MountRequest{Type: "volume"}, prefixes: map[string]bool{}}
	for _, f := range fields {
		if err := m.set(f); err != nil {
			return MountRequest{}, err
		}
	}
	for _, p := range []string{"bind", "volume", "tmpfs"} {
		if m.prefixes[p] && m.r.Type != p {
			return MountRequest{}, invalid("cannot mix '%s-*' options with mount type '%s'", p, m.r.Type)
		}
	}
	if m.r.Type == "tmpfs" {
		m.r.Options = m.tmpfsOptions()
	}
	if err := m.r.validate(); err != nil {
		return MountRequest{}, err
	}
	m.r.clean()
	return m.r, nil
}

// mountFields collects --mount's fields.
type mountFields struct {
	r         MountRequest
	prefixes  map[string]bool // which type-specific options were given
	tmpfsSize int64
	tmpfsMode uint64 // 0: not given
}

// set applies one key[=value] field of --mount.
func (m *mountFields) set(field string) error {
	key, val, hasValue := strings.Cut(field, "=")
	if k := strings.TrimSpace(key); k != key {
		return invalid("invalid option '%s' in '%s': option should not have whitespace", k, field)
	}
	if hasValue {
		if v := strings.TrimSpace(val); v == "" {
			return invalid("invalid value for '%s': value is empty", key)
		} else if v != val {
			return invalid("invalid value for '%s' in '%s': value should not have whitespace", key, field)
		}
	}
	key = strings.ToLower(key)
	if !hasValue && key != "readonly" && key != "ro" && key != "volume-nocopy" {
		return invalid("invalid field '%s' must be a key=value pair", field)
	}
	if p, _, ok := strings.Cut(key, "-"); ok {
		m.prefixes[p] = true
	}
	return m.apply(key, val, hasValue, field)
}

// apply sets what one validated --mount key asks for.
func (m *mountFields) apply(key, val string, hasValue bool, field string) error {
	var err error
	switch key {
	case "type":
		m.r.Type = strings.ToLower(val)
	case "source", "src":
		m.r.Source = absSource(val)
	case "target", "dst", "destination":
		m.r.Target = val
	case "readonly", "ro":
		m.r.ReadOnly, err = mountBool(key, val, hasValue)
	case "consistency":
		// Docker Desktop's; ignored on Linux, as Docker ignores it.
	case "bind-propagation":
		m.r.Propagation = strings.ToLower(val)
	case "volume-nocopy":
		m.r.NoCopy, err = mountBool(key, val, hasValue)
	case "volume-opt":
		m.r.VolumeOptions = setKeyValue(m.r.VolumeOptions, val)
	case "volume-label":
		m.r.VolumeLabels = setKeyValue(m.r.VolumeLabels, val)
	case "tmpfs-size":
		if m.tmpfsSize, err = ParseBytes(val); err != nil {
			return invalid("invalid value for %s: %s", key, val)
		}
	case "tmpfs-mode":
		if m.tmpfsMode, err = strconv.ParseUint(val, 8, 32); err != nil {
			return invalid("invalid value for %s: %s", key, val)
		}
	default:
		return invalid("unknown option '%s' in '%s'", key, field)
	}
	return err
}

// mountBool reads a boolean option of --mount: alone it is true.
func mountBool(key, val string, hasValue bool) (bool, error) {
	switch {
	case !hasValue || val == "1" || val == "true":
		return true, nil
	case val == "0" || val == "false":
		return false, nil
	}
	return false, invalid(`invalid value for '%s': invalid boolean value (%q): must be one of "true", "1", "false", or "0" (default "true")`, key, val)
}

// setKeyValue sets "k=v" (or "k" to "") in m, making m if needed; an empty
// key is ignored, as Docker ignores it.
func setKeyValue(m map[string]string, kv string) map[string]string {
	k, v, _ := strings.Cut(kv, "=")
	if k == "" {
		return m
	}
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// tmpfsOptions spells tmpfs-mode and tmpfs-size as tmpfs mount options,
// the size in the largest unit that divides it, as Docker does.
func (m *mountFields) tmpfsOptions() []string {
	var opts []string
	if m.tmpfsMode != 0 {
		opts = append(opts, "mode="+strconv.FormatUint(m.tmpfsMode, 8))
	}
	if m.tmpfsSize != 0 {
		size, suffix := m.tmpfsSize, ""
		for _, u := range []struct {
			suffix string
			div    int64
		}{{"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10}} {
			if size%u.div == 0 {
				size, suffix = size/u.div, u.suffix
				break
			}
		}
		opts = append(opts, "size="+strconv.FormatInt(size, 10)+suffix)
	}
	return opts
}
