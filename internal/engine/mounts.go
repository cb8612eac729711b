package engine

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/spec"
	"github.com/hullrt/hull/internal/volume"
)

// Mount is one resolved mount of a container as its record keeps it: what
// inspect shows, plus the options the spec needs.
type Mount struct {
	container.MountPoint
	// Options are mount(8) options beyond ro/rw and propagation (tmpfs size
	// and mode, for instance).
	Options []string `json:",omitempty"`
	// NoCopy skips filling an empty volume from the image (volume-nocopy).
	NoCopy bool `json:",omitempty"`
	// Anonymous marks a volume made for this container alone, removed with
	// it by `rm -v`.
	Anonymous bool `json:",omitempty"`
}

// requests gathers every mount the request asks for, in Docker's order of
// precedence: --volumes-from first, then -v, --mount and --tmpfs, then the
// image's VOLUMEs not otherwise covered. A later request for the same target
// replaces an earlier one; two explicit ones for one target are an error.
func (e *Engine) requests(cfg *container.Config, hc *container.HostConfig) ([]spec.MountRequest, error) {
	var reqs []spec.MountRequest
	explicit := map[string]bool{}
	add := func(r spec.MountRequest, from bool) error {
		r.Target = path.Clean(r.Target)
		if explicit[r.Target] && !from {
			return fmt.Errorf("duplicate mount point: %s: %w", r.Target, errdefs.ErrInvalidArgument)
		}
		reqs = slices.DeleteFunc(reqs, func(o spec.MountRequest) bool { return o.Target == r.Target })
		if !from {
			explicit[r.Target] = true
		}
		reqs = append(reqs, r)
		return nil
	}
	from, err := e.volumesFrom(hc.VolumesFrom)
	if err != nil {
		return nil, err
	}
	for _, r := range from {
		add(r, true)
	}
	for _, b := range hc.Binds {
		r, err := spec.ParseVolume(b)
		if err != nil {
			return nil, err
		}
		if err := add(r, false); err != nil {
			return nil, err
		}
	}
	for _, m := range hc.Mounts {
		r := fromAPIMount(m)
		if err := spec.CheckBindSource(r); err != nil {
			return nil, err
		}
		if err := add(r, false); err != nil {
			return nil, err
		}
	}
	for target, opts := range hc.Tmpfs {
		arg := target
		if opts != "" {
			arg += ":" + opts
		}
		r, err := spec.ParseTmpfs(arg)
		if err != nil {
			return nil, err
		}
		if err := add(r, false); err != nil {
			return nil, err
		}
	}
	for target := range cfg.Volumes {
		if !explicit[path.Clean(target)] && !slices.ContainsFunc(reqs, func(o spec.MountRequest) bool { return o.Target == path.Clean(target) }) {
			reqs = append(reqs, spec.MountRequest{Type: "volume", Target: path.Clean(target)})
		}
	}
	slices.SortStableFunc(reqs, func(a, b spec.MountRequest) int {
		return strings.Count(a.Target, "/") - strings.Count(b.Target, "/")
	})
	return reqs, nil
}

// fromAPIMount turns a --mount as Docker's API carries it into a request.
func fromAPIMount(m mount.Mount) spec.MountRequest {
	r := spec.MountRequest{Type: string(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
	if m.BindOptions != nil {
		r.Propagation = string(m.BindOptions.Propagation)
	}
	if v := m.VolumeOptions; v != nil {
		r.NoCopy = v.NoCopy
		r.VolumeLabels = v.Labels
		if v.DriverConfig != nil {
			r.VolumeOptions = v.DriverConfig.Options
		}
	}
	if t := m.TmpfsOptions; t != nil {
		if t.SizeBytes > 0 {
			r.Options = append(r.Options, fmt.Sprintf("size=%d", t.SizeBytes))
		}
		if t.Mode != 0 {
			r.Options = append(r.Options, fmt.Sprintf("mode=%o", t.Mode))
		}
	}
	return r
}

// volumesFrom copies the mounts of other containers ("name[:ro|rw]"), as
// --volumes-from does: volumes and binds, with the other's mode unless
// overridden.
func (e *Engine) volumesFrom(refs []string) ([]spec.MountRequest, error) {
	var out []spec.MountRequest
	for _, ref := range refs {
		name, mode, _ := strings.Cut(ref, ":")
		if mode != "" && mode != "ro" && mode != "rw" {
			return nil, fmt.Errorf("invalid mode for --volumes-from %q: %w", ref, errdefs.ErrInvalidArgument)
		}
		other, err := e.Lookup(name)
		if err != nil {
			return nil, err
		}
		for _, m := range other.Mounts {
			if m.Type != mount.TypeVolume && m.Type != mount.TypeBind {
				continue
			}
			r := spec.MountRequest{Type: string(m.Type), Source: m.Source, Target: m.Destination, ReadOnly: !m.RW, Propagation: string(m.Propagation), NoCopy: true}
			if m.Type == mount.TypeVolume {
				r.Source = m.Name
			}
			if mode != "" {
				r.ReadOnly = mode == "ro"
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// resolveMounts turns requests into mounts, creating volumes as needed and
// taking a reference on each for container id. On error it releases what it
// took; on success the caller releases with releaseMounts.
func (e *Engine) resolveMounts(id string, reqs []spec.MountRequest) (ms []Mount, err error) {
	defer func() {
		if err != nil {
			e.releaseMounts(id, ms, true)
			ms = nil
		}
	}()
	for _, r := range reqs {
		m := Mount{MountPoint: container.MountPoint{Type: mount.Type(r.Type), Destination: r.Target, RW: !r.ReadOnly,
			Propagation: mount.Propagation(r.Propagation)}, Options: r.Options, NoCopy: r.NoCopy}
		switch r.Type {
		case "bind":
			if err := checkBindSource(r.Source); err != nil {
				return ms, err
			}
			m.Source = r.Source
			if m.Propagation == "" {
				m.Propagation = mount.PropagationRPrivate
			}
		case "volume":
			v, err := e.volumes.Create(volume.CreateOptions{Name: r.Source, Labels: r.VolumeLabels, Options: r.VolumeOptions})
			if err != nil {
				return ms, err
			}
			m.Name, m.Driver, m.Anonymous = v.Name, v.Driver, r.Source == ""
			if m.Source, err = e.volumes.Acquire(v.Name, id); err != nil {
				return ms, err
			}
		case "tmpfs":
		default:
			return ms, fmt.Errorf("mount type %q is not supported: %w", r.Type, errdefs.ErrInvalidArgument)
		}
		m.Mode = modeString(r)
		ms = append(ms, m)
	}
	return ms, nil
}

// modeString is inspect's Mode: the options as the user wrote them.
func modeString(r spec.MountRequest) string {
	var parts []string
	if r.ReadOnly {
		parts = append(parts, "ro")
	}
	if r.Type == "volume" && r.NoCopy {
		parts = append(parts, "nocopy")
	}
	if r.Propagation != "" {
		parts = append(parts, r.Propagation)
	}
	return strings.Join(parts, ",")
}

// checkBindSource creates a missing -v source directory as Docker does.
func checkBindSource(src string) error {
	if !path.IsAbs(src) {
		return fmt.Errorf("invalid mount config for type \"bind\": invalid mount path: '%s' mount path must be absolute: %w", src, errdefs.ErrInvalidArgument)
	}
	if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
		return os.MkdirAll(src, 0o755)
	} else if err != nil {
		return fmt.Errorf("bind source %s: %w", src, err)
	}
	return nil
}

// releaseMounts drops the container's references on its volumes; with
// anonymous, the container's anonymous volumes are removed too (rm -v).
func (e *Engine) releaseMounts(id string, ms []Mount, anonymous bool) {
	for _, m := range ms {
		if m.Type != mount.TypeVolume {
			continue
		}
		e.volumes.Release(m.Name, id)
		if anonymous && m.Anonymous {
			e.volumes.Remove(m.Name)
		}
	}
}
