package spec

import (
	"path"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// defaultPath is the PATH a container gets when neither the image nor the
// user sets one (moby's oci.DefaultPathEnv for Linux).
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// process fills in process: the command, environment, working directory,
// user, terminal and rlimits.
func (g *generator) process() error {
	p := g.spec.Process
	o := g.opts
	args, err := g.args()
	if err != nil {
		return err
	}
	if o.Init != "" {
		args = append([]string{"/dev/init", "--"}, args...)
	}
	p.Args = args
	p.Terminal = o.Tty
	if p.Cwd, err = g.workingDir(); err != nil {
		return err
	}
	home, err := g.user()
	if err != nil {
		return err
	}
	p.Env = g.env(home)
	for _, u := range o.Ulimits {
		rl, err := u.Rlimit()
		if err != nil {
			return err
		}
		p.Rlimits = append(p.Rlimits, rl)
	}
	if o.OomScoreAdj < -1000 || o.OomScoreAdj > 1000 {
		return invalid("Invalid value %d, range for oom score adj is [-1000, 1000]", o.OomScoreAdj)
	}
	if o.OomScoreAdj != 0 {
		adj := o.OomScoreAdj
		p.OOMScoreAdj = &adj
	}
	return nil
}

// args applies Docker's rules for ENTRYPOINT and CMD: a given entrypoint
// replaces the image's and drops the image's CMD; a given command replaces
// the image's CMD; [""] as the entrypoint clears it.
func (g *generator) args() ([]string, error) {
	entrypoint, cmd := g.img.Entrypoint, g.img.Cmd
	if g.opts.Entrypoint != nil {
		entrypoint, cmd = g.opts.Entrypoint, nil
	}
	if len(g.opts.Cmd) > 0 {
		cmd = g.opts.Cmd
	}
	if len(entrypoint) == 1 && entrypoint[0] == "" {
		entrypoint = nil
	}
	args := append(append([]string{}, entrypoint...), cmd...)
	if len(args) == 0 {
		return nil, invalid("no command specified")
	}
	return args, nil
}

// workingDir is the user's, else the image's, else "/"; it must be
// absolute.
func (g *generator) workingDir() (string, error) {
	wd := g.opts.WorkingDir
	if wd == "" {
		wd = g.img.WorkingDir
	}
	if wd == "" {
		return "/", nil
	}
	if !path.IsAbs(wd) {
		return "", invalid("the working directory '%s' is invalid, it needs to be an absolute path", wd)
	}
	return path.Clean(wd), nil
}

// user resolves the user's (else the image's) USER against the image's
// /etc/passwd and /etc/group, and returns the user's home directory.
func (g *generator) user() (string, error) {
	name := g.opts.User
	if name == "" {
		name = g.img.User
	}
	var (
		u    specs.User
		home string
		err  error
	)
	if g.opts.RootfsPath == "" {
		u, home, err = userDB{}.resolve(name, g.opts.GroupAdd)
	} else {
		u, home, err = ResolveUser(g.opts.RootfsPath, name, g.opts.GroupAdd)
	}
	g.spec.Process.User = u
	return home, err
}

// env builds the environment as Docker does: PATH, HOSTNAME and, with a
// terminal, TERM=xterm first; then the user's variables and the image's
// (the user's win), each replacing a variable of the same name in place
// or appended; "NAME" alone removes NAME. HOME is added last from the
// user's passwd entry unless set, as runc does.
func (g *generator) env(home string) []string {
	env := []string{"PATH=" + defaultPath, "HOSTNAME=" + g.hostname}
	if g.opts.Tty {
		env = append(env, "TERM=xterm")
	}
	env = replaceOrAppendEnv(env, mergeEnv(g.opts.Env, g.img.Env))
	for _, e := range env {
		if strings.HasPrefix(e, "HOME=") {
			return env
		}
	}
	return append(env, "HOME="+home)
}

// mergeEnv is Docker's merge of a container's ENV into the user's: the
// user's variables, then the image's that the user did not name.
func mergeEnv(user, image []string) []string {
	named := map[string]bool{}
	for _, e := range user {
		name, _, _ := strings.Cut(e, "=")
		named[name] = true
	}
	out := append([]string{}, user...)
	for _, e := range image {
		if name, _, _ := strings.Cut(e, "="); !named[name] {
			out = append(out, e)
		}
	}
	return out
}

// replaceOrAppendEnv overrides base with overrides: NAME=value replaces
// NAME where it is or is appended; NAME alone removes NAME.
func replaceOrAppendEnv(base, overrides []string) []string {
	index := map[string]int{}
	for i, e := range base {
		name, _, _ := strings.Cut(e, "=")
		index[name] = i
	}
	removed := map[int]bool{}
	for _, e := range overrides {
		name, _, hasValue := strings.Cut(e, "=")
		i, exists := index[name]
		switch {
		case !hasValue && exists:
			removed[i] = true
		case !hasValue:
		case exists:
			base[i] = e
			delete(removed, i)
		default:
			index[name] = len(base)
			base = append(base, e)
		}
	}
	out := base[:0]
	for i, e := range base {
		if !removed[i] {
			out = append(out, e)
		}
	}
	return out
}
