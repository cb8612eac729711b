package build

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// state is what a step leaves for the next one.
type state struct {
	// cfg is the image config so far, Docker's extensions included.
	cfg    dockerspec.DockerOCIImage
	layers []ocispec.Descriptor
	// chain is the committed snapshot holding the layers ("" for none).
	chain string
	// key is the cache key of the step that made this state.
	key digest.Digest
	// id is the digest of cfg as stored, printed after each step.
	id digest.Digest
	// args are the ARGs the stage declared, with their values; they are
	// seen by expansion and by RUN, not stored in the image.
	args map[string]string
	// argOrder keeps the ARGs in declaration order for RUN's history line.
	argOrder []string
	// meta are the ARGs before the first FROM, which ARG NAME may take
	// its value from.
	meta map[string]string
	// cmdSet says the stage has a CMD of its own, which ENTRYPOINT keeps.
	cmdSet bool
}

// clone copies what steps change, so that a state stays as it was for a
// stage that starts FROM it or copies from it.
func (s *state) clone() *state {
	c := *s
	c.cfg.Config.Env = slices.Clone(s.cfg.Config.Env)
	c.cfg.Config.Entrypoint = slices.Clone(s.cfg.Config.Entrypoint)
	c.cfg.Config.Cmd = slices.Clone(s.cfg.Config.Cmd)
	c.cfg.Config.Shell = slices.Clone(s.cfg.Config.Shell)
	c.cfg.Config.OnBuild = slices.Clone(s.cfg.Config.OnBuild)
	c.cfg.Config.Labels = maps.Clone(s.cfg.Config.Labels)
	c.cfg.Config.ExposedPorts = maps.Clone(s.cfg.Config.ExposedPorts)
	c.cfg.Config.Volumes = maps.Clone(s.cfg.Config.Volumes)
	c.cfg.RootFS.DiffIDs = slices.Clone(s.cfg.RootFS.DiffIDs)
	c.cfg.History = slices.Clone(s.cfg.History)
	c.layers = slices.Clone(s.layers)
	c.args = maps.Clone(s.args)
	c.argOrder = slices.Clone(s.argOrder)
	return &c
}

func (s *state) configJSON() ([]byte, error) {
	return json.Marshal(s.cfg)
}

// env is what ARG and ENV expansion sees: the stage's ARGs, overridden by
// the config's ENV, as in Docker.
func (s *state) env() map[string]string {
	m := maps.Clone(s.args)
	if m == nil {
		m = map[string]string{}
	}
	for _, kv := range s.cfg.Config.Env {
		k, v, _ := splitEnv(kv)
		m[k] = v
	}
	return m
}

// addHistory appends a history entry for a step.
func (s *state) addHistory(createdBy string, empty bool) {
	now := time.Now().UTC()
	s.cfg.Created = &now
	s.cfg.History = append(s.cfg.History, ocispec.History{Created: &now, CreatedBy: createdBy, EmptyLayer: empty})
}

// scratch is the empty state FROM scratch starts from.
func scratch() *state {
	p := image.DefaultPlatform().OCI()
	st := &state{key: digest.FromString("FROM scratch")}
	st.cfg.Platform = p
	st.cfg.RootFS.Type = "layers"
	st.cfg.RootFS.DiffIDs = []digest.Digest{}
	return st
}

// fromImage is the state a stage starts from when FROM names an image in
// the store. hull build does not pull: an image that is not there is an
// error that says so.
func (bd *build) fromImage(ctx context.Context, name string) (*state, error) {
	base, err := bd.b.images.BuildBase(ctx, name)
	if errdefs.IsNotFound(err) {
		return nil, fmt.Errorf("image %q is not in hull's store, and hull build does not pull (use hull pull or hull load first): %w", name, err)
	}
	if err != nil {
		return nil, err
	}
	st := &state{layers: base.Layers, chain: base.Chain, id: base.ID, key: digest.FromString("FROM " + base.ID.String())}
	if err := json.Unmarshal(base.Config, &st.cfg); err != nil {
		return nil, fmt.Errorf("reading config of image %s: %w", name, err)
	}
	if st.cfg.RootFS.Type == "" {
		st.cfg.RootFS.Type = "layers"
	}
	return st, nil
}

// splitEnv splits "K=V"; "K" alone has no value.
func splitEnv(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}

// setEnv replaces K in env or appends K=V.
func setEnv(env []string, k, v string) []string {
	for i, kv := range env {
		if name, _, _ := splitEnv(kv); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}
