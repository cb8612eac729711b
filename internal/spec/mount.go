package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MountRequest is one mount as the user asked for it with -v, --mount or
// --tmpfs, before the engine resolves it: a volume still has a name (or
// none, when anonymous), a bind source may not exist yet.
type MountRequest struct {
	Type        string // "bind", "volume" or "tmpfs"
	Source      string // bind: absolute host path; volume: name, "" if anonymous; tmpfs: ""
	Target      string // absolute path in the container, cleaned
	ReadOnly    bool
	Propagation string // binds: "rprivate" unless asked otherwise; "" for the others
	NoCopy      bool   // volumes: do not copy the image's files into a new volume
	// Options: for a tmpfs, its mount options ("size=64m", "mode=1770",
	// "exec", ...); for -v, the mode words hull accepts but does not act
	// on: SELinux relabelling ("z", "Z") and Docker Desktop's consistency
	// modes.
	Options       []string
	VolumeOptions map[string]string // volume driver options (--mount volume-opt)
	VolumeLabels  map[string]string // labels of a volume created for this mount
}

// mountConfigError words a mount's problem the way Docker's daemon does.
func mountConfigError(typ string, err error) error {
	return invalid("invalid mount config for type %q: %v", typ, err)
}

// validate applies the checks Docker's daemon applies to every mount
// (except the bind source's existence: see CheckBindSource).
func (r *MountRequest) validate() error {
	if err := validateTarget(r.Target); err != nil {
		return mountConfigError(r.Type, err)
	}
	switch r.Type {
	case "bind":
		switch {
		case r.Source == "":
			return mountConfigError(r.Type, errors.New("field Source must not be empty"))
		case r.NoCopy || r.VolumeOptions != nil || r.VolumeLabels != nil:
			return mountConfigError(r.Type, errors.New("field VolumeOptions must not be specified"))
		case !path.IsAbs(r.Source):
			return mountConfigError(r.Type, fmt.Errorf("invalid mount path: '%s' mount path must be absolute", r.Source))
		case r.Propagation != "" && !propagationModes[r.Propagation]:
			return mountConfigError(r.Type, fmt.Errorf("invalid propagation mode: %s", r.Propagation))
		}
	case "volume":
		switch {
		case r.Propagation != "":
			return mountConfigError(r.Type, errors.New("field BindOptions must not be specified"))
		case r.Source == "" && r.ReadOnly:
			return mountConfigError(r.Type, errors.New("must not set ReadOnly mode when using anonymous volumes"))
		case r.Source != "" && !volumeName.MatchString(r.Source):
			return invalid("%q includes invalid characters for a local volume name, only %q are allowed. "+
				"If you intended to pass a host directory, use absolute path", r.Source, "[a-zA-Z0-9][a-zA-Z0-9_.-]")
		}
	case "tmpfs":
		switch {
		case r.Propagation != "":
			return mountConfigError(r.Type, errors.New("field BindOptions must not be specified"))
		case r.Source != "":
			return mountConfigError(r.Type, errors.New("field Source must not be specified"))
		}
		return checkTmpfsOptions(r.Options)
	default:
		return mountConfigError(r.Type, errors.New("mount type unknown"))
	}
	return nil
}

// volumeName is what the local volume driver accepts as a volume's name.
var volumeName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// propagationModes are the propagation words of -v and bind-propagation.
var propagationModes = map[string]bool{
	"private": true, "rprivate": true, "shared": true, "rshared": true, "slave": true, "rslave": true,
}

// validateTarget checks a path in the container that something is
// mounted on: absolute, and not the root.
func validateTarget(target string) error {
	switch {
	case target == "":
		return errors.New("field Target must not be empty")
	case path.Clean(target) == "/":
		return errors.New("invalid specification: destination can't be '/'")
	case !path.IsAbs(target):
		return fmt.Errorf("invalid mount path: '%s' mount path must be absolute", target)
	}
	return nil
}

// CheckBindSource reports whether a bind mount's source exists on the
// host, as Docker's daemon checks for --mount type=bind (but not for -v,
// whose missing source directory Docker creates). It is the engine's to
// call: the check belongs where the mount is made, not where it is parsed.
func CheckBindSource(r MountRequest) error {
	if r.Type != "bind" {
		return nil
	}
	_, err := os.Stat(r.Source)
	if errors.Is(err, fs.ErrNotExist) {
		return mountConfigError(r.Type, fmt.Errorf("bind source path does not exist: %s", r.Source))
	}
	if err != nil {
		return mountConfigError(r.Type, err)
	}
	return nil
}

// Mount returns r as a config.json mount, with the options Docker gives
// such a mount. source is the host path a bind's or volume's data lives
// at (the engine knows where a volume is); it is not used for a tmpfs.
//
// Binds and volumes are recursive binds; a read-only one is recursively
// read-only ("rro", as Docker 25 and later make it on Linux 5.12 and
// later, so that a mount below the source cannot be written through
// either). A bind gets its propagation, "rprivate" by default. A tmpfs is
// noexec, nosuid and nodev unless its options say otherwise, as Docker's
// --tmpfs and --mount type=tmpfs both are.
func (r MountRequest) Mount(source string) (specs.Mount, error) {
	switch r.Type {
	case "bind", "volume":
		opts := []string{"rbind"}
		if r.ReadOnly {
			opts = append(opts, "rro")
		}
		prop := r.Propagation
		if prop == "" && r.Type == "bind" {
			prop = "rprivate"
		}
		if prop != "" {
			opts = append(opts, prop)
		}
		return specs.Mount{Destination: r.Target, Type: "bind", Source: source, Options: opts}, nil
	case "tmpfs":
		opts := append([]string{"noexec", "nosuid", "nodev", "rprivate"}, r.Options...)
		if r.ReadOnly {
			opts = append(opts, "ro")
		}
		merged, err := mergeTmpfsOptions(opts)
		if err != nil {
			return specs.Mount{}, err
		}
		return specs.Mount{Destination: r.Target, Type: "tmpfs", Source: "tmpfs", Options: merged}, nil
	}
	return specs.Mount{}, mountConfigError(r.Type, errors.New("mount type unknown"))
}
