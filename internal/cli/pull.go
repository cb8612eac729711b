package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/registry"
)

// remoteOptions turns the global registry flags into the client's options,
// printing progress to w (nil for none).
func (e *env) remoteOptions(w io.Writer) (registry.RemoteOptions, *registry.Printer) {
	o := registry.RemoteOptions{InsecureRegistries: e.g.insecure}
	if len(e.g.mirrors) > 0 {
		o.Mirrors = map[string][]string{"docker.io": e.g.mirrors}
	}
	if w == nil {
		return o, nil
	}
	p := registry.NewPrinter(w)
	o.Progress = p.Event
	return o, p
}

func (e *env) registryClient() (*registry.Client, error) {
	svc, err := e.images()
	if err != nil {
		return nil, err
	}
	return &registry.Client{Content: svc.Content(), Images: svc.Records()}, nil
}

// pullOptions are `hull pull`'s flags.
type pullOptions struct {
	platform string
	quiet    bool
}

func runPull(ctx context.Context, e *env, args []string) error {
	var o pullOptions
	fs := e.newFlags("pull")
	fs.String(&o.platform, "", "platform", "Set platform if server is multi-platform capable")
	fs.Bool(&o.quiet, "q", "quiet", "Suppress verbose output")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("pull: requires exactly 1 argument")
	}
	return pull(ctx, e, pos[0], o)
}

func pull(ctx context.Context, e *env, name string, o pullOptions) error {
	ref, err := image.ParseNormalized(name)
	if err != nil {
		return err
	}
	var po registry.PullOptions
	if o.platform != "" {
		if po.Platform, err = image.ParsePlatform(o.platform); err != nil {
			return err
		}
	}
	c, err := e.registryClient()
	if err != nil {
		return err
	}
	var progress io.Writer
	if !o.quiet {
		progress = e.stdout
		if ref.Digest == "" && ref.FamiliarString() != name && ref.FamiliarString() == name+":latest" {
			fmt.Fprintln(e.stdout, "Using default tag: latest")
		}
	}
	var p *registry.Printer
	po.RemoteOptions, p = e.remoteOptions(progress)
	_, err = c.Pull(ctx, name, po)
	if p != nil {
		p.Close()
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, ref.String())
	return nil
}

func runPush(ctx context.Context, e *env, args []string) error {
	var quiet bool
	fs := e.newFlags("push")
	fs.Bool(&quiet, "q", "quiet", "Suppress verbose output")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("push: requires exactly 1 argument")
	}
	ref, err := image.ParseNormalized(pos[0])
	if err != nil {
		return err
	}
	c, err := e.registryClient()
	if err != nil {
		return err
	}
	if _, err := c.Images.Get(ctx, ref.String()); err != nil {
		return fmt.Errorf("no such image: %s", pos[0])
	}
	var progress io.Writer
	if !quiet {
		progress = e.stdout
	}
	ro, p := e.remoteOptions(progress)
	err = c.Push(ctx, ref.String(), "", registry.PushOptions{RemoteOptions: ro})
	if p != nil {
		p.Close()
	}
	if err == nil && quiet {
		fmt.Fprintln(e.stdout, ref.String())
	}
	return err
}
