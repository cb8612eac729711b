package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/events"
	"github.com/hullrt/hull/internal/snapshot"
)

// CreateRequest is Docker's container create request: a name (empty for a
// generated one) and the two configs of the Docker Engine API.
type CreateRequest struct {
	Name       string
	Config     *container.Config
	HostConfig *container.HostConfig
	// NetworkingConfig holds the endpoint settings (--ip,
	// --network-alias) of the network HostConfig.NetworkMode names.
	NetworkingConfig *network.NetworkingConfig
}

// Create makes a container from an image without starting it: a record, a
// writable snapshot on the image and references on its volumes. It returns
// the new container's record. On failure nothing is left behind.
func (e *Engine) Create(ctx context.Context, req CreateRequest) (_ *Container, err error) {
	if req.Config == nil || req.Config.Image == "" {
		return nil, fmt.Errorf("no image given: %w", errdefs.ErrInvalidArgument)
	}
	cfg, hc := *req.Config, container.HostConfig{}
	if req.HostConfig != nil {
		hc = *req.HostConfig
	}
	if err := validateHostConfig(&hc); err != nil {
		return nil, err
	}
	img, err := e.images.Get(ctx, cfg.Image)
	if err != nil {
		return nil, err
	}
	c := &Container{ID: newID(), Created: time.Now().UTC(), Config: &cfg, HostConfig: &hc, Image: img.ID.String()}
	if err := e.makeDir(c); err != nil {
		return nil, fmt.Errorf("creating container directory: %w", err)
	}
	defer func() {
		if err != nil {
			e.undoCreate(ctx, c)
		}
	}()
	// The record goes down before the name is claimed and before anything
	// else is made, so that whatever a kill -9 interrupts below, `hull rm`
	// finds the container and cleans, and a name never points at nothing.
	if err := e.claim(c, req.Name); err != nil {
		return nil, err
	}
	key := cfg.Image
	if img.ID != "" {
		key = img.ID.String()
	}
	var snapOpts []snapshot.Opt
	if c.HostConfig.AutoRemove {
		snapOpts = append(snapOpts, snapshot.WithVolatile()) // nothing of it outlives a crash
	}
	_, imgConfig, err := e.images.PrepareRootfs(ctx, key, c.ID, snapOpts...)
	if err != nil {
		return nil, fmt.Errorf("preparing the root filesystem: %w", err)
	}
	c.Rootfs = true
	mergeImageConfig(c.Config, imgConfig.Config)
	mergeExposedPorts(c.Config, imgConfig.Config.ExposedPorts)
	args := processArgs(c.Config)
	if len(args) == 0 {
		return nil, fmt.Errorf("no command specified: %w", errdefs.ErrInvalidArgument)
	}
	c.Path, c.Args = args[0], args[1:]
	reqs, err := e.requests(c.Config, c.HostConfig)
	if err != nil {
		return nil, err
	}
	if c.Mounts, err = e.resolveMounts(c.ID, reqs); err != nil {
		return nil, err
	}
	if err := e.connectAtCreate(c, req.NetworkingConfig); err != nil {
		return nil, err
	}
	if err := e.save(c); err != nil {
		return nil, err
	}
	e.emit(c, "create", nil)
	return c, nil
}

// claim gives the container its name: the one asked for, or a generated one.
func (e *Engine) claim(c *Container, name string) error {
	try := func(n string) error {
		if !validName.MatchString(n) {
			return e.claimName(n, c.ID) // refuses it, with Docker's message
		}
		c.Name = n
		if err := e.save(c); err != nil {
			return err
		}
		return e.claimName(n, c.ID)
	}
	if name != "" {
		return try(name)
	}
	var err error
	for retry := range 10 {
		if err = try(randomName(retry)); !errors.Is(err, errdefs.ErrConflict) {
			return err
		}
	}
	return err
}

// undoCreate removes what a failed Create made.
func (e *Engine) undoCreate(ctx context.Context, c *Container) {
	e.releaseNetworks(ctx, c)
	e.releaseMounts(c.ID, c.Mounts, true)
	if c.Rootfs {
		e.images.RemoveRootfs(ctx, c.ID)
	}
	if c.Name != "" {
		e.releaseName(c.Name, c.ID)
	}
	e.removeDir(c, false)
}

// makeDir makes the container's directory. A --rm container's is in the
// exec root, behind a symbolic link from the root: nothing of such a
// container is to outlive a reboot, which empties the exec root where it
// is a tmpfs (/run, usually), and there its dozen files and directories
// cost no disk inodes. On ext4 without a journal, every inode allocated
// scans past all those freed in the last minutes, so each container made
// and removed on disk slows the next ones. Its log stays on disk (see
// logPath). The link goes first: a create killed before the directory
// exists leaves a dangling link, which removeRecordless clears as it does
// a directory without a record.
func (e *Engine) makeDir(c *Container) error {
	if !c.autoRemove() {
		return os.Mkdir(e.dir(c.ID), 0o700)
	}
	real := filepath.Join(e.execRoot, "containers", c.ID)
	for _, d := range []string{filepath.Dir(real), e.execTrashDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	if err := os.Symlink(real, e.dir(c.ID)); err != nil {
		return err
	}
	if err := os.Mkdir(real, 0o700); err != nil {
		os.Remove(e.dir(c.ID))
		return err
	}
	return nil
}

// validateHostConfig refuses what the engine cannot honour, before anything
// is made.
func validateHostConfig(hc *container.HostConfig) error {
	switch hc.RestartPolicy.Name {
	case "", container.RestartPolicyDisabled, container.RestartPolicyAlways, container.RestartPolicyUnlessStopped:
		if hc.RestartPolicy.MaximumRetryCount != 0 {
			return fmt.Errorf("maximum retry count cannot be used with restart policy '%s': %w", hc.RestartPolicy.Name, errdefs.ErrInvalidArgument)
		}
	case container.RestartPolicyOnFailure:
		if hc.RestartPolicy.MaximumRetryCount < 0 {
			return fmt.Errorf("invalid restart policy: maximum retry count cannot be negative: %w", errdefs.ErrInvalidArgument)
		}
	default:
		return fmt.Errorf("invalid restart policy '%s': %w", hc.RestartPolicy.Name, errdefs.ErrInvalidArgument)
	}
	if hc.AutoRemove && hc.RestartPolicy.Name != "" && hc.RestartPolicy.Name != container.RestartPolicyDisabled {
		return fmt.Errorf("can't create 'AutoRemove' container with restart policy: %w", errdefs.ErrInvalidArgument)
	}
	return validateNetworkMode(hc)
}

// emit appends a container event; a journal that cannot be written never
// fails the operation it reports.
func (e *Engine) emit(c *Container, action string, attrs map[string]string) {
	a := map[string]string{"name": c.Name, "image": c.Config.Image}
	for k, v := range c.Config.Labels {
		a[k] = v
	}
	for k, v := range attrs {
		a[k] = v
	}
	e.events.Append(events.Event{Type: "container", Action: action, Actor: events.Actor{ID: c.ID, Attributes: a}})
}
