package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/images"
	"github.com/hullrt/hull/internal/runtime"
)

// Builder builds images into one image service. It holds no lock and no
// process between builds; any number of Builders, in any number of
// processes, may share a root.
type Builder struct {
	images  *images.Service
	dir     string
	runtime *runtime.Runtime
}

// Config says where a Builder keeps its things.
type Config struct {
	// Dir holds the cache, the work directories and the lock
	// (conventionally ROOT/build).
	Dir string
	// RuntimeRoot holds the state of RUN steps' containers; it belongs on
	// a tmpfs such as /run, since no container outlives a boot.
	RuntimeRoot string
	// Self is the program the runtime re-executes to start a container's
	// init (hull-monitor: see runtime.Runtime.Self).
	Self string
}

// New returns a Builder over svc.
func New(svc *images.Service, cfg Config) (*Builder, error) {
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "cache"), 0o700); err != nil {
		return nil, fmt.Errorf("creating build directory: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(cfg.Dir, "work"), 0o700); err != nil {
		return nil, fmt.Errorf("creating build directory: %w", err)
	}
	rt, err := runtime.New(cfg.RuntimeRoot)
	if err != nil {
		return nil, err
	}
	if cfg.Self != "" {
		rt.Self = cfg.Self
	}
	return &Builder{images: svc, dir: cfg.Dir, runtime: rt}, nil
}

// Options are one build's inputs, what `docker build`'s flags say.
type Options struct {
	Dockerfile []byte
	Context    *Context
	// Tags name the image; none leaves it in the build cache only (hull
	// keeps no untagged images), reachable by a rebuild.
	Tags []string
	// BuildArgs are --build-arg values; they override ARG defaults.
	BuildArgs map[string]string
	// Target is the stage to build (--target); the last by default.
	Target  string
	NoCache bool
	// Network is the RUN steps' network: "none" (the default) or "host".
	Network string
	// Labels are added to the image's config (--label).
	Labels map[string]string
	// Out receives the progress: steps, RUN output, ids. Nil discards it.
	Out io.Writer
}

// Result is a finished build.
type Result struct {
	// ID is the image ID, the digest of its config.
	ID digest.Digest
	// Tags are the names now pointing at the image, normalised.
	Tags []string
}

// Build runs the Dockerfile's steps up to the target stage and tags the
// result. On failure (an interrupt through ctx included) nothing is tagged
// and the failing step's temporary container, mounts and snapshot are gone.
func (b *Builder) Build(ctx context.Context, opts Options) (Result, error) {
	if opts.Network == "" || opts.Network == "default" {
		opts.Network = "none"
	}
	if opts.Network != "none" && opts.Network != "host" {
		return Result{}, fmt.Errorf("network mode %q is not supported for builds (none or host): %w", opts.Network, errdefs.ErrInvalidArgument)
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Context == nil {
		return Result{}, fmt.Errorf("no build context: %w", errdefs.ErrInvalidArgument)
	}
	df, err := Parse(opts.Dockerfile)
	if err != nil {
		return Result{}, err
	}
	target, err := df.targetIndex(opts.Target)
	if err != nil {
		return Result{}, err
	}
	unlock, err := b.lockShared()
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	b.sweep(ctx)
	release, err := b.images.Content().Lease(ctx)
	if err != nil {
		return Result{}, err
	}
	defer release()
	bd := &build{b: b, opts: opts, df: df, lex: shell.NewLex(df.Escape), out: opts.Out,
		chains: map[string]string{}, usedArgs: map[string]bool{}}
	bd.countSteps(target)
	st, err := bd.run(ctx, target)
	// The steps that succeeded stay cached, also when a later one failed.
	herr := b.holdLeaves(context.WithoutCancel(ctx), bd.chains, func(c string) string { return bd.chains[c] })
	if err != nil {
		return Result{}, err
	}
	if herr != nil {
		return Result{}, herr
	}
	return bd.finish(ctx, st)
}

// build is one Build call's progress.
type build struct {
	b       *Builder
	opts    Options
	df      *Dockerfile
	lex     *shell.Lex
	out     io.Writer
	results []*state // each built stage's last state
	// chains maps each snapshot this build committed to its parent.
	chains map[string]string
	// usedArgs are the --build-arg names an ARG declared.
	usedArgs map[string]bool
	step     int
	steps    int
}

func (bd *build) countSteps(target int) {
	for _, s := range bd.df.Stages[:target+1] {
		bd.steps += 1 + len(s.Commands)
	}
}

// run builds the stages up to target in order, as the classic builder
// does, and returns target's last state.
func (bd *build) run(ctx context.Context, target int) (*state, error) {
	metaArgs, err := bd.metaArgs()
	if err != nil {
		return nil, err
	}
	for i := 0; i <= target; i++ {
		st, err := bd.from(ctx, i, metaArgs)
		if err != nil {
			return nil, err
		}
		for _, cmd := range bd.df.Stages[i].Commands {
			if st, err = bd.dispatch(ctx, st, cmd); err != nil {
				return nil, err
			}
		}
		bd.results = append(bd.results, st)
	}
	return bd.results[target], nil
}

// finish adds --label, writes the image and tags it.
func (bd *build) finish(ctx context.Context, st *state) (Result, error) {
	final := st.clone()
	if len(bd.opts.Labels) > 0 {
		if final.cfg.Config.Labels == nil {
			final.cfg.Config.Labels = map[string]string{}
		}
		for k, v := range bd.opts.Labels {
			final.cfg.Config.Labels[k] = v
		}
	}
	raw, err := final.configJSON()
	if err != nil {
		return Result{}, err
	}
	svc := bd.b.images
	target, id, err := svc.WriteBuildManifest(ctx, raw, final.layers)
	if err != nil {
		return Result{}, err
	}
	res := Result{ID: id}
	var unused []string
	for k := range bd.opts.BuildArgs {
		if !bd.usedArgs[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		fmt.Fprintf(bd.out, "[Warning] One or more build-args %v were not consumed\n", unused)
	}
	fmt.Fprintf(bd.out, "Successfully built %s\n", shortID(id))
	for _, t := range bd.opts.Tags {
		img, err := svc.TagBuild(ctx, t, target, id)
		if err != nil {
			return res, err
		}
		res.Tags = append(res.Tags, img.Name)
		fmt.Fprintf(bd.out, "Successfully tagged %s\n", familiar(t))
	}
	return res, nil
}

// shortID is the 12 hex digits Docker prints for an image ID.
func shortID(d digest.Digest) string {
	if d.Validate() != nil {
		return string(d)
	}
	return d.Encoded()[:12]
}

// familiar is a tag as the user wrote it, with ":latest" when it had no tag.
func familiar(t string) string {
	last := t[strings.LastIndex(t, "/")+1:]
	if !strings.Contains(last, ":") && !strings.Contains(last, "@") {
		return t + ":latest"
	}
	return t
}
