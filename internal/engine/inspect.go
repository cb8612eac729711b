package engine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/storage"

	"github.com/hullrt/hull/internal/monitor"
)

// Inspect returns what `docker inspect` shows for a container, in the
// Docker Engine API's shape.
func (e *Engine) Inspect(ref string) (*container.InspectResponse, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return nil, err
	}
	return e.inspect(c), nil
}

func (e *Engine) inspect(c *Container) *container.InspectResponse {
	dir := e.dir(c.ID)
	r := &container.InspectResponse{
		ID: c.ID, Created: c.Created.Format(time.RFC3339Nano), Path: c.Path, Args: c.Args,
		State: e.status(c), Image: c.Image, Name: "/" + c.Name,
		ResolvConfPath: filepath.Join(dir, "resolv.conf"), HostnamePath: filepath.Join(dir, "hostname"),
		HostsPath: filepath.Join(dir, "hosts"), Driver: "overlay", Platform: "linux",
		HostConfig: c.HostConfig, Config: c.Config, Mounts: []container.MountPoint{},
		NetworkSettings: e.networkSettings(c, e.endpoints(c)),
		GraphDriver:     &storage.DriverData{Name: "overlay", Data: map[string]string{"MergedDir": filepath.Join(dir, "rootfs")}},
	}
	if c.HostConfig.LogConfig.Type != "none" {
		r.LogPath = e.logPath(c)
	}
	if ms, err := monitor.ReadState(dir); err == nil && ms != nil {
		r.RestartCount = ms.RestartCount
	}
	for _, m := range c.Mounts {
		r.Mounts = append(r.Mounts, m.MountPoint)
	}
	return r
}

// ListOptions tune List, as `docker ps` flags do.
type ListOptions struct {
	// All includes containers that are not running.
	All bool
	// Filters are Docker's ps filters: id, name, label, status, exited,
	// ancestor, before, since, volume.
	Filters map[string][]string
}

// List returns the containers, newest first, in the shape of Docker's
// container list.
func (e *Engine) List(opts ListOptions) ([]container.Summary, error) {
	ids, err := e.ids()
	if err != nil {
		return nil, err
	}
	var cs []*Container
	for _, id := range ids {
		if c, err := e.load(id); err == nil {
			cs = append(cs, c)
		}
	}
	slices.SortFunc(cs, func(a, b *Container) int { return b.Created.Compare(a.Created) })
	f, err := newListFilter(e, opts.Filters, cs)
	if err != nil {
		return nil, err
	}
	var out []container.Summary
	for _, c := range cs {
		st := e.status(c)
		if !opts.All && !st.Running && len(opts.Filters["status"]) == 0 {
			continue
		}
		if !f.match(c, st) {
			continue
		}
		out = append(out, e.summary(c, st))
	}
	return out, nil
}

func (e *Engine) summary(c *Container, st *container.State) container.Summary {
	eps := e.endpoints(c)
	s := container.Summary{
		ID: c.ID, Names: []string{"/" + c.Name}, Image: c.Config.Image, ImageID: c.Image,
		Command: strings.Join(append([]string{c.Path}, c.Args...), " "), Created: c.Created.Unix(),
		Labels: c.Config.Labels, State: st.Status, Status: humanStatus(st), Mounts: []container.MountPoint{},
		Ports: portSummaries(c, eps),
	}
	s.HostConfig.NetworkMode = string(c.HostConfig.NetworkMode)
	s.NetworkSettings = &container.NetworkSettingsSummary{Networks: e.networkSettings(c, eps).Networks}
	for _, m := range c.Mounts {
		s.Mounts = append(s.Mounts, m.MountPoint)
	}
	return s
}

// humanStatus is ps's STATUS column: "Up 3 minutes", "Exited (0) 2 seconds
// ago", "Created".
func humanStatus(st *container.State) string {
	started, _ := time.Parse(time.RFC3339Nano, st.StartedAt)
	finished, _ := time.Parse(time.RFC3339Nano, st.FinishedAt)
	switch st.Status {
	case container.StateRunning:
		return "Up " + HumanDuration(time.Since(started))
	case container.StatePaused:
		return "Up " + HumanDuration(time.Since(started)) + " (Paused)"
	case container.StateRestarting:
		return fmt.Sprintf("Restarting (%d) %s ago", st.ExitCode, HumanDuration(time.Since(finished)))
	case container.StateExited:
		if finished.IsZero() || finished.Year() < 2 {
			return fmt.Sprintf("Exited (%d)", st.ExitCode)
		}
		return fmt.Sprintf("Exited (%d) %s ago", st.ExitCode, HumanDuration(time.Since(finished)))
	}
	return "Created"
}

// HumanDuration says how long d is the way Docker does ("Less than a
// second", "3 minutes", "About an hour").
func HumanDuration(d time.Duration) string {
	switch s := int(d.Seconds()); {
	case s < 1:
		return "Less than a second"
	case s == 1:
		return "1 second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	}
	switch m := int(d.Minutes()); {
	case m == 1:
		return "About a minute"
	case m < 60:
		return fmt.Sprintf("%d minutes", m)
	}
	switch h := int(d.Round(time.Hour).Hours()); {
	case h == 1:
		return "About an hour"
	case h < 48:
		return fmt.Sprintf("%d hours", h)
	case h < 24*7*2:
		return fmt.Sprintf("%d days", h/24)
	case h < 24*30*2:
		return fmt.Sprintf("%d weeks", h/24/7)
	case h < 24*365*2:
		return fmt.Sprintf("%d months", h/24/30)
	default:
		return fmt.Sprintf("%d years", h/24/365)
	}
}
