package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/errdefs"
)

// inspectOptions are the flags of `hull inspect` and `hull container
// inspect`.
type inspectOptions struct {
	format, kind string
	size         bool
}

// runInspectAny is `hull inspect`: each name is looked up as a container,
// then as an image, a network, a volume (or only as what --type says), as
// Docker does.
func runInspectAny(ctx context.Context, e *env, args []string) error {
	var o inspectOptions
	fs := e.newFlags("inspect")
	fs.String(&o.format, "f", "format", "Format output using a Go template")
	fs.Bool(&o.size, "s", "size", "Display total file sizes if the type is container")
	fs.String(&o.kind, "", "type", "Only inspect objects of the given type (container, image, network or volume)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	switch o.kind {
	case "", "container", "image", "network", "volume":
	default:
		return fmt.Errorf("%q is not a valid value for --type", o.kind)
	}
	return inspectObjects(ctx, e, "inspect", o, pos)
}

// runContainerInspect is `hull container inspect`: containers only.
func runContainerInspect(ctx context.Context, e *env, args []string) error {
	o := inspectOptions{kind: "container"}
	fs := e.newFlags("container inspect")
	fs.String(&o.format, "f", "format", "Format output using a Go template")
	fs.Bool(&o.size, "s", "size", "Display total file sizes")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	return inspectObjects(ctx, e, "container inspect", o, pos)
}

// inspectObjects prints what it found as one JSON array (or through the
// template) and, as Docker does, reports each name it did not find on
// stderr and exits 1.
func inspectObjects(ctx context.Context, e *env, cmd string, o inspectOptions, names []string) error {
	if err := needArgs(cmd, 1, names); err != nil {
		return err
	}
	eng, err := e.engine()
	if err != nil {
		return err
	}
	var found []any
	var failed []error
	for _, name := range names {
		v, err := inspectObject(ctx, e, eng, o, name)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		found = append(found, v)
	}
	if err := printValues(e, o.format, found); err != nil {
		return err
	}
	for _, err := range failed {
		fmt.Fprintf(e.stderr, "hull: %s\n", oneLine(docker(err)))
	}
	if len(failed) > 0 {
		return exitStatus(1)
	}
	return nil
}

// inspectObject finds one name among the kinds o allows.
func inspectObject(ctx context.Context, e *env, eng *engine.Engine, o inspectOptions, name string) (any, error) {
	if o.kind == "" || o.kind == "container" {
		c, err := eng.Inspect(name)
		if err == nil {
			if o.size {
				rw, rootfs, err := eng.Size(ctx, c.ID)
				if err != nil {
					return nil, err
				}
				c.SizeRw, c.SizeRootFs = &rw, &rootfs
			}
			return c, nil
		}
		if !errdefs.IsNotFound(err) || o.kind == "container" {
			return nil, err
		}
	}
	if o.kind == "" || o.kind == "image" {
		svc, err := e.images()
		if err != nil {
			return nil, err
		}
		v, err := inspectOne(ctx, svc, name)
		if err == nil || o.kind == "image" {
			return v, err
		}
	}
	if o.kind == "" || o.kind == "network" {
		ns, err := e.networks()
		if err != nil {
			return nil, err
		}
		v, err := ns.Inspect(name)
		if err == nil || o.kind == "network" {
			return v, err
		}
	}
	if o.kind == "" || o.kind == "volume" {
		v, err := inspectVolume(eng, name)
		if err == nil || o.kind == "volume" {
			return v, err
		}
	}
	return nil, fmt.Errorf("no such object: %s", name)
}

// printValues writes values as an indented JSON array, or each through the
// --format template.
func printValues(e *env, format string, values []any) error {
	if format != "" {
		t, err := newTable(e.stdout, format, nil)
		if err != nil {
			return err
		}
		for _, v := range values {
			if err := templateRow(t, v); err != nil {
				return err
			}
		}
		return nil
	}
	if values == nil {
		values = []any{}
	}
	b, err := json.MarshalIndent(values, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

// templateRow runs the template on v as Docker's inspect does: on the Go
// value first ({{.State.ExitCode}} is then an int), and when that fails on
// the value's JSON, so that Docker's JSON names work too ({{.Id}}), with
// numbers kept as written rather than turned into floats.
func templateRow(t *table, v any) error {
	var buf bytes.Buffer
	if err := t.tmpl.Execute(&buf, v); err == nil {
		_, err := t.w.Write(buf.Bytes())
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	return t.row(raw)
}
