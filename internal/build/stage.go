package build

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// mapEnv is what BuildKit's word expansion reads variables from.
type mapEnv map[string]string

func (m mapEnv) Get(k string) (string, bool) { v, ok := m[k]; return v, ok }

func (m mapEnv) Keys() []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// expand resolves $VAR and ${VAR...} in one word.
func (bd *build) expand(word string, env map[string]string) (string, error) {
	res, err := bd.lex.ProcessWordWithMatches(word, mapEnv(env))
	if err != nil {
		return "", err
	}
	return res.Result, nil
}

// metaArgs resolves the ARGs before the first FROM: --build-arg wins over
// the default, and a default may use the ARGs declared before it.
func (bd *build) metaArgs() (map[string]string, error) {
	vals := map[string]string{}
	for _, a := range bd.df.MetaArgs {
		for _, kv := range a.Args {
			if v, ok := bd.opts.BuildArgs[kv.Key]; ok {
				vals[kv.Key] = v
				bd.usedArgs[kv.Key] = true
				continue
			}
			if kv.Value == nil {
				continue
			}
			v, err := bd.expand(*kv.Value, vals)
			if err != nil {
				return nil, fmt.Errorf("ARG %s: %w", kv.Key, err)
			}
			vals[kv.Key] = v
		}
	}
	return vals, nil
}

// from starts stage i: from an earlier stage, scratch, or an image in the
// store, and runs the base image's ONBUILD triggers.
func (bd *build) from(ctx context.Context, i int, meta map[string]string) (*state, error) {
	s := bd.df.Stages[i]
	bd.step++
	fmt.Fprintf(bd.out, "Step %d/%d : %s\n", bd.step, bd.steps, s.SourceCode)
	name, err := bd.expand(s.BaseName, meta)
	if err != nil {
		return nil, fmt.Errorf("FROM %s: %w", s.BaseName, err)
	}
	if err := bd.checkPlatform(s.Platform, meta); err != nil {
		return nil, err
	}
	var st *state
	switch idx, ok := bd.df.stageIndex(name, i); {
	case ok:
		st = bd.results[idx].clone()
	case name == "scratch":
		st = scratch()
	default:
		if st, err = bd.fromImage(ctx, name); err != nil {
			return nil, fmt.Errorf("step %d/%d : FROM %s: %w", bd.step, bd.steps, name, err)
		}
	}
	st.args, st.argOrder, st.cmdSet = map[string]string{}, nil, false
	st.meta = meta
	if st.id != "" {
		fmt.Fprintf(bd.out, " ---> %s\n", shortID(st.id))
	}
	return bd.onBuild(ctx, st)
}

// checkPlatform accepts FROM --platform when it names the host's platform:
// hull runs no emulation.
func (bd *build) checkPlatform(p string, meta map[string]string) error {
	if p == "" {
		return nil
	}
	host := image.DefaultPlatform()
	env := map[string]string{"BUILDPLATFORM": host.String(), "TARGETPLATFORM": host.String(),
		"TARGETOS": host.OS, "TARGETARCH": host.Architecture}
	for k, v := range meta {
		env[k] = v
	}
	got, err := bd.expand(p, env)
	if err != nil {
		return fmt.Errorf("FROM --platform=%s: %w", p, err)
	}
	want, err := image.ParsePlatform(got)
	if err != nil {
		return fmt.Errorf("FROM --platform=%s: %w", got, err)
	}
	if want.OS != host.OS || want.Architecture != host.Architecture {
		return fmt.Errorf("FROM --platform=%s: hull builds for the host's platform (%s) only: %w", got, host, errdefs.ErrInvalidArgument)
	}
	return nil
}

// onBuild runs the ONBUILD triggers the base image recorded, as steps
// without numbers, and clears them from the new image, as Docker does.
func (bd *build) onBuild(ctx context.Context, st *state) (*state, error) {
	triggers := st.cfg.Config.OnBuild
	if len(triggers) == 0 {
		return st, nil
	}
	fmt.Fprintf(bd.out, "# Executing %d build trigger(s)\n", len(triggers))
	st = st.clone()
	st.cfg.Config.OnBuild = nil
	for _, t := range triggers {
		res, err := parser.Parse(strings.NewReader(t))
		if err != nil || len(res.AST.Children) != 1 {
			return nil, fmt.Errorf("ONBUILD trigger %q: cannot parse it", t)
		}
		cmd, err := instructions.ParseCommand(res.AST.Children[0])
		if err != nil {
			return nil, fmt.Errorf("ONBUILD trigger %q: %w", t, err)
		}
		if st, _, err = bd.exec(ctx, st, cmd); err != nil {
			return nil, fmt.Errorf("ONBUILD trigger %q: %w", t, err)
		}
	}
	return st, nil
}

// dispatch runs one numbered step and prints its result line.
func (bd *build) dispatch(ctx context.Context, st *state, cmd instructions.Command) (*state, error) {
	bd.step++
	text := original(cmd)
	fmt.Fprintf(bd.out, "Step %d/%d : %s\n", bd.step, bd.steps, text)
	next, cached, err := bd.exec(ctx, st, cmd)
	if err != nil {
		return nil, &StepError{Step: bd.step, Steps: bd.steps, Instruction: text, Err: err}
	}
	if cached {
		fmt.Fprintln(bd.out, " ---> Using cache")
	}
	fmt.Fprintf(bd.out, " ---> %s\n", shortID(next.id))
	return next, nil
}

// StepError is a step that failed, which a build error names.
type StepError struct {
	Step, Steps int
	Instruction string
	Err         error
}

func (e *StepError) Error() string {
	if errors.Is(e.Err, context.Canceled) {
		return fmt.Sprintf("step %d/%d : %s: interrupted", e.Step, e.Steps, e.Instruction)
	}
	return fmt.Sprintf("step %d/%d : %s: %v", e.Step, e.Steps, e.Instruction, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// original is the instruction as written in the Dockerfile.
func original(cmd instructions.Command) string {
	if s, ok := cmd.(fmt.Stringer); ok {
		return s.String()
	}
	return cmd.Name()
}

// exec expands the instruction's words and runs it; it reports whether the
// result came from the cache.
func (bd *build) exec(ctx context.Context, st *state, cmd instructions.Command) (*state, bool, error) {
	if e, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if _, isRun := cmd.(*instructions.RunCommand); !isRun {
			env := st.env()
			if err := e.Expand(func(w string) (string, error) { return bd.expand(w, env) }); err != nil {
				return nil, false, err
			}
		}
	}
	if e, ok := cmd.(instructions.SupportsSingleWordExpansionRaw); ok {
		// COPY <<EOF: the document itself, unless its marker is quoted.
		env := st.env()
		if err := e.ExpandRaw(func(w string) (string, error) { return bd.expand(w, env) }); err != nil {
			return nil, false, err
		}
	}
	switch c := cmd.(type) {
	case *instructions.RunCommand:
		return bd.runStep(ctx, st, c)
	case *instructions.CopyCommand:
		if c.Parents || len(c.ExcludePatterns) > 0 {
			return nil, false, fmt.Errorf("COPY --parents and --exclude are not supported by hull build: %w", errdefs.ErrInvalidArgument)
		}
		return bd.copyStep(ctx, st, copyRequest{sources: c.SourcePaths, dest: c.DestPath, from: c.From,
			chown: c.Chown, chmod: c.Chmod, contents: c.SourceContents, name: "COPY"})
	case *instructions.AddCommand:
		if c.Checksum != "" || c.KeepGitDir != nil || c.Unpack != nil || len(c.ExcludePatterns) > 0 {
			return nil, false, fmt.Errorf("ADD --checksum, --keep-git-dir, --unpack and --exclude are not supported by hull build: %w", errdefs.ErrInvalidArgument)
		}
		return bd.copyStep(ctx, st, copyRequest{sources: c.SourcePaths, dest: c.DestPath,
			chown: c.Chown, chmod: c.Chmod, contents: c.SourceContents, name: "ADD", add: true})
	case *instructions.ArgCommand:
		return bd.argStep(ctx, st, c)
	}
	text, apply, err := metadata(st, cmd)
	if err != nil {
		return nil, false, err
	}
	next, cached, err := bd.metaStep(ctx, st, text, apply)
	if _, isCmd := cmd.(*instructions.CmdCommand); isCmd && err == nil {
		next.cmdSet = true
	}
	return next, cached, err
}

// argStep declares ARGs: a --build-arg wins, then the default, then the
// value of a meta ARG of the same name.
func (bd *build) argStep(ctx context.Context, st *state, c *instructions.ArgCommand) (*state, bool, error) {
	var parts []string
	vals := map[string]string{}
	for _, kv := range c.Args {
		v, ok := bd.opts.BuildArgs[kv.Key]
		bd.usedArgs[kv.Key] = bd.usedArgs[kv.Key] || ok
		if !ok && kv.Value != nil {
			v, ok = *kv.Value, true
		}
		if !ok {
			v, ok = st.meta[kv.Key]
		}
		if ok {
			vals[kv.Key] = v
			parts = append(parts, kv.Key+"="+v)
		} else {
			parts = append(parts, kv.Key)
		}
	}
	next, cached, err := bd.metaStep(ctx, st, "ARG "+strings.Join(parts, " "), func(*state) error { return nil })
	if err != nil {
		return nil, false, err
	}
	for _, kv := range c.Args {
		if v, ok := vals[kv.Key]; ok {
			next.args[kv.Key] = v
			if !slices.Contains(next.argOrder, kv.Key) {
				next.argOrder = append(next.argOrder, kv.Key)
			}
		}
	}
	return next, cached, nil
}

// metaStep is a step that changes only the config: apply changes a copy of
// st, which gets an empty-layer history entry.
func (bd *build) metaStep(ctx context.Context, st *state, text string, apply func(*state) error) (*state, bool, error) {
	key := stepKey(st.key, text, "")
	if next, ok := bd.lookup(ctx, key, st); ok {
		return next, true, nil
	}
	next := st.clone()
	if err := apply(next); err != nil {
		return nil, false, err
	}
	next.addHistory("/bin/sh -c #(nop) "+text, true)
	if err := bd.save(ctx, next, key, ""); err != nil {
		return nil, false, err
	}
	return next, false, nil
}
