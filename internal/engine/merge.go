package engine

import (
	"maps"
	"strings"

	"github.com/moby/moby/api/types/container"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// mergeImageConfig fills the request's config with the image's defaults, by
// Docker's rules: an entrypoint given on the command line (even an empty
// one) drops the image's cmd; the image's env comes first and the request's
// overrides it by key; labels, volumes and exposed ports are unions.
func mergeImageConfig(c *container.Config, img ocispec.ImageConfig) {
	if len(c.Entrypoint) == 0 {
		if len(c.Cmd) == 0 {
			c.Cmd = img.Cmd
		}
		if c.Entrypoint == nil {
			c.Entrypoint = img.Entrypoint
		}
	}
	if len(c.Entrypoint) == 1 && c.Entrypoint[0] == "" {
		c.Entrypoint = nil
	}
	c.Env = mergeEnv(img.Env, c.Env)
	if c.User == "" {
		c.User = img.User
	}
	if c.WorkingDir == "" {
		c.WorkingDir = img.WorkingDir
	}
	if c.StopSignal == "" {
		c.StopSignal = img.StopSignal
	}
	if len(img.Labels) > 0 {
		labels := maps.Clone(img.Labels)
		maps.Copy(labels, c.Labels)
		c.Labels = labels
	}
	for v := range img.Volumes {
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		c.Volumes[v] = struct{}{}
	}
}

// mergeEnv returns base with each KEY=value of over replacing base's KEY, or
// appended when base lacks it.
func mergeEnv(base, over []string) []string {
	out := append([]string(nil), base...)
	index := map[string]int{}
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	for _, kv := range over {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// processArgs is what the container runs: entrypoint then cmd.
func processArgs(c *container.Config) []string {
	return append(append([]string(nil), c.Entrypoint...), c.Cmd...)
}
