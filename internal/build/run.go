package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/images"
	"github.com/hullrt/hull/internal/proc"
	"github.com/hullrt/hull/internal/runtime"
	"github.com/hullrt/hull/internal/spec"
)

// RunError is a RUN step whose command failed, in Docker's words.
type RunError struct {
	Command []string
	Code    int
	// Output is the step's last output, for a caller that did not show
	// it while it ran (-q).
	Output []byte
}

func (e *RunError) Error() string {
	return fmt.Sprintf("The command '%s' returned a non-zero code: %d", strings.Join(e.Command, " "), e.Code)
}

// runStep runs a RUN instruction in a container on the state's snapshot
// and makes a layer of what it changed.
func (bd *build) runStep(ctx context.Context, st *state, c *instructions.RunCommand) (*state, bool, error) {
	if len(c.FlagsUsed) > 0 {
		return nil, false, fmt.Errorf("RUN --%s is not supported by hull build: %w", c.FlagsUsed[0], errdefs.ErrInvalidArgument)
	}
	argv, err := runCommandLine(st, c.ShellDependantCmdLine)
	if err != nil {
		return nil, false, err
	}
	env := bd.runArgs(st)
	createdBy := strings.Join(argv, " ")
	if len(env) > 0 {
		createdBy = fmt.Sprintf("|%d %s %s", len(env), strings.Join(env, " "), createdBy)
	}
	key := stepKey(st.key, "RUN "+createdBy, "")
	if next, ok := bd.lookup(ctx, key, st); ok {
		return next, true, nil
	}
	next := st.clone()
	err = bd.withWork(ctx, st, next, func(w *work) error {
		fmt.Fprintf(bd.out, " ---> Running in %s\n", w.id[:12])
		if err := bd.runContainer(ctx, w, st, argv, env); err != nil {
			return err
		}
		fmt.Fprintf(bd.out, "Removing intermediate container %s\n", w.id[:12])
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	next.addHistory(createdBy, false)
	if err := bd.save(ctx, next, key, ownLayer(next)); err != nil {
		return nil, false, err
	}
	return next, false, nil
}

// runCommandLine is RUN's argv. With heredocs: `RUN <<EOF` alone runs
// the document as a shell script, as BuildKit does; a command that reads
// heredocs (`RUN cat <<EOF > f`) goes to the shell with its documents.
func runCommandLine(st *state, c instructions.ShellDependantCmdLine) ([]string, error) {
	if len(c.Files) == 0 {
		return commandLine(st, c), nil
	}
	if !c.PrependShell {
		return nil, fmt.Errorf("RUN in exec form with a heredoc: %w", errdefs.ErrInvalidArgument)
	}
	sh := st.cfg.Config.Shell
	if len(sh) == 0 {
		sh = defaultShell
	}
	if h := parser.MustParseHeredoc(strings.Join(c.CmdLine, " ")); len(c.Files) == 1 && h != nil && h.Name == c.Files[0].Name {
		data := c.Files[0].Data
		if c.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		return append(append([]string{}, sh...), data), nil
	}
	script := strings.Join(c.CmdLine, " ") + "\n"
	for _, f := range c.Files {
		script += f.Data + f.Name + "\n"
	}
	return append(append([]string{}, sh...), script), nil
}

// runArgs are the stage's ARGs as RUN sees them (those ENV does not set
// already), in the order they were declared.
func (bd *build) runArgs(st *state) []string {
	var env []string
	for _, k := range st.argOrder {
		set := false
		for _, kv := range st.cfg.Config.Env {
			if name, _, _ := splitEnv(kv); name == k {
				set = true
			}
		}
		if !set {
			env = append(env, k+"="+st.args[k])
		}
	}
	return env
}

// withWork runs fn on a fresh writable snapshot of st (see layerStep)
// in a work of its own, which is undone whatever happens.
func (bd *build) withWork(ctx context.Context, st, next *state, fn func(w *work) error) (err error) {
	w, err := bd.b.newWork()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := w.close(context.WithoutCancel(ctx)); err == nil && cerr != nil {
			err = cerr
		}
	}()
	return bd.layerStep(ctx, w, st, next, fn)
}

// layerStep prepares a writable snapshot of st at w.rootfs() with the
// WORKDIR made, runs fn on it and commits what fn changed as a layer of
// next.
func (bd *build) layerStep(ctx context.Context, w *work, st, next *state, fn func(w *work) error) error {
	if err := w.prepare(ctx, st.chain); err != nil {
		return err
	}
	if err := makeWorkdir(w.rootfs(), st.cfg.Config.WorkingDir); err != nil {
		return err
	}
	if err := fn(w); err != nil {
		return err
	}
	if err := w.unmount(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	layer, err := bd.b.images.CommitBuildLayer(ctx, w.snapshotKey(), st.chain)
	if err != nil {
		return err
	}
	bd.chains[layer.Chain] = st.chain
	addLayer(next, layer)
	return nil
}

// ownLayer is the layer the step that made st added.
func ownLayer(st *state) digest.Digest {
	return st.layers[len(st.layers)-1].Digest
}

func addLayer(st *state, l images.BuildLayer) {
	st.layers = append(st.layers, l.Blob)
	st.cfg.RootFS.DiffIDs = append(st.cfg.RootFS.DiffIDs, l.DiffID)
	st.chain = l.Chain
}

// runContainer runs argv in a container on w's rootfs and waits for it.
func (bd *build) runContainer(ctx context.Context, w *work, st *state, argv, args []string) error {
	s, err := bd.runSpec(w, st, argv, args)
	if err != nil {
		return err
	}
	r, pw, err := os.Pipe()
	if err != nil {
		return err
	}
	tail := &tailBuffer{max: 64 << 10}
	var copied sync.WaitGroup
	copied.Add(1)
	go func() {
		defer copied.Done()
		io.Copy(io.MultiWriter(bd.out, tail), r)
		r.Close()
	}()
	c, err := bd.b.runtime.Create(w.containerID(), runtime.CreateOpts{Bundle: w.dir, Spec: s, Stdout: pw, Stderr: pw})
	pw.Close()
	if err != nil {
		copied.Wait()
		return fmt.Errorf("creating the step's container: %w", err)
	}
	code, err := startAndWait(ctx, c)
	copied.Wait()
	if err != nil {
		return err
	}
	if code != 0 {
		return &RunError{Command: argv, Code: code, Output: tail.Bytes()}
	}
	return nil
}

// startAndWait starts the container and reaps its init, which the runtime
// made this process's child; an interrupt kills the container.
func startAndWait(ctx context.Context, c *runtime.Container) (int, error) {
	pid := c.Pid()
	if err := c.Start(); err != nil {
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		return 0, fmt.Errorf("starting the step's container: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { c.Signal(unix.SIGKILL, true) })
	defer stop()
	ws, err := proc.Wait(pid)
	if err != nil {
		return 0, fmt.Errorf("waiting for the step's container: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return proc.ExitStatus(ws), nil
}

// cgroupParent holds the RUN steps' cgroups, one per step named by its
// work id, where a sweep finds them.
const cgroupParent = "/hull"

// runSpec is the runtime config of a RUN step: the container Docker's
// builder would make, with the stage's config as the image's.
func (bd *build) runSpec(w *work, st *state, argv, args []string) (*specs.Spec, error) {
	cfg := st.cfg.Config.ImageConfig
	o := &spec.Options{
		ID: w.id, RootfsPath: w.rootfs(),
		Entrypoint: []string{}, Cmd: argv, Env: args,
		WorkingDir: cfg.WorkingDir, User: cfg.User,
		NetworkMode: bd.opts.Network, CgroupParent: cgroupParent,
	}
	if bd.opts.Network == "host" {
		for _, f := range []string{"/etc/resolv.conf", "/etc/hosts"} {
			if _, err := os.Stat(f); err == nil {
				o.Mounts = append(o.Mounts, specs.Mount{Destination: f, Type: "bind", Source: f,
					Options: []string{"rbind", "ro"}})
			}
		}
	}
	s, err := spec.Generate(&cfg, o)
	if err != nil {
		return nil, err
	}
	s.Process.Terminal = false
	return s, nil
}

// makeWorkdir makes the WORKDIR in the step's tree, as Docker's builder
// does before it runs a command there.
func makeWorkdir(rootfs, dir string) error {
	if dir == "" || dir == "/" {
		return nil
	}
	p, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("making WORKDIR %s: %w", dir, err)
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if over := t.buf.Len() - t.max; over > 0 {
		t.buf.Next(over)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf.Bytes())
}
