package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hullrt/hull/internal/build"
	"github.com/hullrt/hull/internal/engine"
)

// buildOptions are `hull build`'s flags.
type buildOptions struct {
	tags, buildArgs, labels []string
	file, target, network   string
	progress, iidfile       string
	noCache, pull, quiet    bool
}

// runBuild is `hull build [OPTIONS] PATH | -`: a Dockerfile build with the
// classic builder's output. A failed build prints why and exits 1, as
// `docker build` does.
func runBuild(ctx context.Context, e *env, args []string) error {
	var o buildOptions
	fs := e.newFlags("build")
	fs.Strings(&o.tags, "t", "tag", "Name and optionally a tag in the 'name:tag' format")
	fs.String(&o.file, "f", "file", "Name of the Dockerfile (default: 'PATH/Dockerfile')")
	fs.Strings(&o.buildArgs, "", "build-arg", "Set build-time variables")
	fs.String(&o.target, "", "target", "Set the target build stage to build")
	fs.Bool(&o.noCache, "", "no-cache", "Do not use cache when building the image")
	fs.Bool(&o.pull, "", "pull", "Always attempt to pull a newer version of the image (hull build uses local images only)")
	fs.String(&o.network, "", "network", "Set the networking mode for the RUN instructions during build (none or host)")
	fs.Strings(&o.labels, "", "label", "Set metadata for an image")
	fs.Bool(&o.quiet, "q", "quiet", "Suppress the build output and print image ID on success")
	fs.String(&o.progress, "", "progress", "Set type of progress output (auto, plain)")
	fs.String(&o.iidfile, "", "iidfile", "Write the image ID to the file")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("build: requires exactly 1 argument (a context directory, a tarball or -)")
	}
	b, err := e.builder()
	if err != nil {
		return err
	}
	opts, bctx, err := o.options(ctx, e, b.TempDir(), pos[0])
	if err != nil {
		return buildFailed(e, err)
	}
	defer bctx.Close()
	res, err := b.Build(ctx, opts)
	if err != nil {
		var re *build.RunError
		if o.quiet && errors.As(err, &re) {
			e.stderr.Write(re.Output)
		}
		return buildFailed(e, err)
	}
	if o.iidfile != "" {
		if err := os.WriteFile(o.iidfile, []byte(res.ID.String()), 0o644); err != nil {
			return fmt.Errorf("writing --iidfile: %w", err)
		}
	}
	if o.quiet {
		fmt.Fprintln(e.stdout, res.ID)
	}
	return nil
}

// buildFailed prints a build's error and ends with status 1, Docker's.
func buildFailed(e *env, err error) error {
	fmt.Fprintf(e.stderr, "hull: %s\n", oneLine(docker(err)))
	return exitStatus(1)
}

// options checks the flags and opens the context and the Dockerfile.
func (o *buildOptions) options(ctx context.Context, e *env, tmp, where string) (build.Options, *build.Context, error) {
	opts := build.Options{Tags: o.tags, Target: o.target, NoCache: o.noCache, Network: o.network,
		BuildArgs: map[string]string{}, Labels: map[string]string{}}
	switch o.progress {
	case "", "auto", "plain", "tty":
	default:
		return opts, nil, fmt.Errorf("--progress=%s: must be auto or plain", o.progress)
	}
	if !o.quiet {
		opts.Out = e.stdout
	}
	for _, a := range o.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			// --build-arg NAME takes NAME's value from the environment.
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		opts.BuildArgs[k] = v
	}
	for _, l := range o.labels {
		k, v, _ := strings.Cut(l, "=")
		opts.Labels[k] = v
	}
	bctx, df, err := o.openContext(ctx, e, tmp, where)
	if err != nil {
		return opts, nil, err
	}
	if df == nil {
		df, err = o.readDockerfile(e, bctx, where)
	}
	if err != nil {
		bctx.Close()
		return opts, nil, err
	}
	opts.Dockerfile, opts.Context = df, bctx
	return opts, bctx, nil
}

// openContext opens a directory, a tarball or stdin ("-") as the context;
// stdin that is not a tarball is the Dockerfile, returned as well.
func (o *buildOptions) openContext(ctx context.Context, e *env, tmp, where string) (*build.Context, []byte, error) {
	if strings.Contains(where, "://") || strings.HasPrefix(where, "git@") {
		return nil, nil, fmt.Errorf("build context %s: hull builds offline and does not fetch remote contexts", where)
	}
	if where == "-" {
		return build.ContextStdin(ctx, e.stdin, tmp)
	}
	info, err := os.Stat(where)
	if err != nil {
		return nil, nil, fmt.Errorf("unable to prepare context: %w", err)
	}
	if info.IsDir() {
		c, err := build.ContextDir(where)
		return c, nil, err
	}
	f, err := os.Open(where)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	c, err := build.ContextTar(ctx, f, tmp)
	return c, nil, err
}

// readDockerfile reads -f (relative to the working directory, "-" for
// stdin), else the context's Dockerfile.
func (o *buildOptions) readDockerfile(e *env, c *build.Context, where string) ([]byte, error) {
	switch {
	case o.file == "-":
		if where == "-" {
			return nil, fmt.Errorf("-f - and a context from stdin cannot both be read from stdin")
		}
		return io.ReadAll(e.stdin)
	case o.file != "" && where != "-" && !isDir(where):
		// A tarball context: -f names a file inside it.
		return c.Dockerfile(filepath.Join(c.Dir, filepath.Clean("/"+o.file)))
	}
	return c.Dockerfile(o.file)
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// builder opens the Dockerfile builder over the image service, with its
// cache under ROOT/build and its RUN containers' state under the exec root.
func (e *env) builder() (*build.Builder, error) {
	svc, err := e.images()
	if err != nil {
		return nil, err
	}
	execRoot := e.g.execRoot
	if execRoot == "" {
		execRoot = engine.ExecRootFor(e.g.root)
	}
	return build.New(svc, build.Config{
		Dir:         filepath.Join(e.g.root, "build"),
		RuntimeRoot: filepath.Join(execRoot, "build"),
		Self:        engine.FindBinary("hull-monitor"),
	})
}
