package engine

import (
	"fmt"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/spec"
)

// generateSpec turns the record into the runtime's config.json. The record
// already holds the image's defaults (Create merged them), so the spec
// package sees no image config of its own. netns is the container's own
// network namespace, "" when it has none (none, host, container:).
func (e *Engine) generateSpec(c *Container, rootfs, netns string) (*specs.Spec, error) {
	cfg, hc := c.Config, c.HostConfig
	etc, err := e.etcFiles(c)
	if err != nil {
		return nil, err
	}
	o := &spec.Options{
		ID: c.ID, RootfsPath: rootfs,
		Entrypoint: append([]string{}, cfg.Entrypoint...), Cmd: cfg.Cmd, Env: cfg.Env,
		WorkingDir: cfg.WorkingDir, User: cfg.User, GroupAdd: hc.GroupAdd,
		Hostname: cfg.Hostname, Domainname: cfg.Domainname, Tty: cfg.Tty, StopSignal: cfg.StopSignal,
		ReadOnly: hc.ReadonlyRootfs, Privileged: hc.Privileged, CapAdd: hc.CapAdd, CapDrop: hc.CapDrop,
		SecurityOpt: hc.SecurityOpt, Sysctls: hc.Sysctls, ShmSize: hc.ShmSize,
		Labels: cfg.Labels, Annotations: hc.Annotations, CgroupParent: hc.CgroupParent,
		NetworkMode: string(hc.NetworkMode), PidMode: string(hc.PidMode), IpcMode: string(hc.IpcMode),
		UTSMode: string(hc.UTSMode), CgroupnsMode: string(hc.CgroupnsMode),
		OomScoreAdj: hc.OomScoreAdj, NetworkNSPath: netns,
	}
	if initEnabled(hc) {
		o.Init = e.bins.init
	}
	setResources(o, &hc.Resources)
	for _, u := range hc.Ulimits {
		o.Ulimits = append(o.Ulimits, spec.Ulimit{Name: u.Name, Soft: u.Soft, Hard: u.Hard})
	}
	for _, d := range hc.Devices {
		o.Devices = append(o.Devices, spec.DeviceMapping{PathOnHost: d.PathOnHost, PathInContainer: d.PathInContainer, CgroupPermissions: d.CgroupPermissions})
	}
	o.DeviceCgroupRules = hc.DeviceCgroupRules
	for _, m := range c.Mounts {
		r := spec.MountRequest{Type: string(m.Type), Target: m.Destination, ReadOnly: !m.RW, Propagation: string(m.Propagation), Options: m.Options}
		if m.Type == mount.TypeTmpfs {
			o.Tmpfs = append(o.Tmpfs, r)
			continue
		}
		sm, err := r.Mount(m.Source)
		if err != nil {
			return nil, err
		}
		o.Mounts = append(o.Mounts, sm)
	}
	o.Mounts = append(o.Mounts, etc...)
	if err := e.setIPC(o, c); err != nil {
		return nil, err
	}
	for _, ns := range []*string{&o.PidMode, &o.NetworkMode} {
		if err := e.joinMode(ns); err != nil {
			return nil, err
		}
	}
	s, err := spec.Generate(nil, o)
	if err != nil {
		return nil, err
	}
	s.Root.Path = "rootfs"
	return s, nil
}

// initEnabled is --init, which hull turns on unless asked not to: an
// application that never reaps its children is the classic container
// pitfall, and hull-init costs about a millisecond.
func initEnabled(hc *container.HostConfig) bool {
	return hc.Init == nil || *hc.Init
}

func setResources(o *spec.Options, r *container.Resources) {
	o.Memory, o.MemorySwap, o.MemoryReservation = r.Memory, r.MemorySwap, r.MemoryReservation
	o.NanoCPUs, o.CPUShares, o.CpusetCpus, o.CpusetMems = r.NanoCPUs, r.CPUShares, r.CpusetCpus, r.CpusetMems
	if r.PidsLimit != nil {
		o.PidsLimit = *r.PidsLimit
		if o.PidsLimit == 0 {
			o.PidsLimit = -1
		}
	}
	o.BlkioWeight = r.BlkioWeight
	if r.OomKillDisable != nil {
		o.OomKillDisable = *r.OomKillDisable
	}
	if o.NanoCPUs == 0 && r.CPUQuota > 0 {
		period := r.CPUPeriod
		if period == 0 {
			period = 100000
		}
		o.NanoCPUs = r.CPUQuota * 1e9 / period
	}
}

// joinMode turns a "container:NAME" namespace mode into the
// "container:/proc/PID" the spec package takes: the namespaces of that
// container's init, which must be running.
func (e *Engine) joinMode(mode *string) error {
	ref, ok := strings.CutPrefix(*mode, "container:")
	if !ok {
		return nil
	}
	other, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	st := e.status(other)
	if !st.Running || st.Pid == 0 {
		return fmt.Errorf("cannot join container %s: it is not running: %w", other.Name, errdefs.ErrConflict)
	}
	*mode = fmt.Sprintf("container:/proc/%d", st.Pid)
	return nil
}
