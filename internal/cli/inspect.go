package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/images"
)

// inspectJSON is one element of `hull image inspect`'s array, shaped like
// docker's so that jq filters and --format templates carry over.
type inspectJSON struct {
	ID           string              `json:"Id"`
	RepoTags     []string            `json:"RepoTags"`
	RepoDigests  []string            `json:"RepoDigests"`
	Parent       string              `json:"Parent"`
	Comment      string              `json:"Comment"`
	Created      string              `json:"Created"`
	Author       string              `json:"Author"`
	Config       ocispec.ImageConfig `json:"Config"`
	Architecture string              `json:"Architecture"`
	Variant      string              `json:"Variant,omitempty"`
	Os           string              `json:"Os"`
	Size         int64               `json:"Size"`
	RootFS       rootFSJSON          `json:"RootFS"`
	Metadata     map[string]string   `json:"Metadata"`
	Descriptor   ocispec.Descriptor  `json:"Descriptor"`
}

type rootFSJSON struct {
	Type   string   `json:"Type"`
	Layers []string `json:"Layers"`
}

func runInspect(ctx context.Context, e *env, args []string) error {
	var format string
	fs := e.newFlags("image inspect")
	fs.String(&format, "f", "format", "Format output using a Go template")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("image inspect: requires at least 1 argument")
	}
	svc, err := e.images()
	if err != nil {
		return err
	}
	var out []inspectJSON
	var errs []error
	for _, key := range pos {
		v, err := inspectOne(ctx, svc, key)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, v)
	}
	if err := printInspect(e, format, out); err != nil {
		return err
	}
	return errors.Join(errs...)
}

func inspectOne(ctx context.Context, svc *images.Service, key string) (inspectJSON, error) {
	rec, err := lookup(ctx, svc, key)
	if err != nil {
		return inspectJSON{}, err
	}
	d, err := describe(ctx, svc, rec)
	if err != nil {
		return inspectJSON{}, err
	}
	all, err := svc.List(ctx)
	if err != nil {
		return inspectJSON{}, err
	}
	v := inspectJSON{
		ID: d.id.String(), RepoTags: []string{}, RepoDigests: []string{},
		Created: d.created().UTC().Format(time.RFC3339Nano), Author: d.config.Author,
		Config: d.config.Config, Architecture: d.config.Architecture, Variant: d.config.Variant,
		Os: d.config.OS, Size: d.size, Descriptor: rec.Target,
		RootFS:   rootFSJSON{Type: d.config.RootFS.Type, Layers: []string{}},
		Metadata: map[string]string{"LastTagTime": rec.UpdatedAt.UTC().Format(time.RFC3339Nano)},
	}
	for _, l := range d.config.RootFS.DiffIDs {
		v.RootFS.Layers = append(v.RootFS.Layers, l.String())
	}
	for _, other := range all {
		if other.Target.Digest != rec.Target.Digest {
			continue
		}
		repo, _ := repoTag(other.Name)
		v.RepoTags = append(v.RepoTags, familiar(other.Name))
		v.RepoDigests = append(v.RepoDigests, repo+"@"+other.Target.Digest.String())
	}
	if h := d.config.History; len(h) > 0 {
		v.Comment = h[len(h)-1].Comment
	}
	return v, nil
}

// printInspect writes the array as indented JSON, or each element through
// the --format template.
func printInspect(e *env, format string, out []inspectJSON) error {
	if format != "" {
		t, err := newTable(e.stdout, format, nil)
		if err != nil {
			return err
		}
		for _, v := range out {
			m, err := asJSONMap(v)
			if err != nil {
				return err
			}
			if err := t.row(m); err != nil {
				return err
			}
		}
		return nil
	}
	if out == nil {
		out = []inspectJSON{}
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", b)
	return err
}

// asJSONMap is v as its JSON keys see it, so templates name fields as
// docker's do ({{.Id}}, {{.Config.Cmd}}) whatever the Go field is called.
func asJSONMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	return m, json.Unmarshal(b, &m)
}
