package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/seccomp"
)

// DefaultRoot is where containers' state lives unless the caller says
// otherwise (runc uses /run/runc, crun /run/crun).
const DefaultRoot = "/run/hull-oci"

// Runtime creates and finds containers whose state lives under Root.
type Runtime struct {
	// Root is the state directory: one subdirectory per container.
	Root string
	// Self is the program re-executed to start a container's processes; it
	// must import internal/nsexec and call Init when given InitArg.
	// Default: /proc/self/exe.
	Self string
	// InitArg is the first argument that makes Self run Init.
	// Default: "init".
	InitArg string
	// Warn receives what the runtime reports without failing: a failed
	// poststart or poststop hook. Default: discarded.
	Warn func(msg string)
	// GoInit starts every container through the Go init (Init), even one
	// the C init could set up from a plan (see planInit); New sets it when
	// the environment has HULL_INIT=go. The C init is about 2 ms faster;
	// the switch is there to tell the two apart when one misbehaves.
	GoInit bool
}

func (r *Runtime) warn(msg string) {
	if r.Warn != nil {
		r.Warn(msg)
	}
}

// New returns a runtime keeping state under root (DefaultRoot if empty).
func New(root string) (*Runtime, error) {
	if root == "" {
		root = DefaultRoot
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("state root %q: %w", root, err)
	}
	return &Runtime{Root: abs, Self: "/proc/self/exe", InitArg: "init", GoInit: os.Getenv("HULL_INIT") == "go"}, nil
}

// runc's rule: letters, digits, and _ + - . only, and not "." or "..".
var validID = regexp.MustCompile(`^[\w+\-.]+$`)

// ValidateID reports whether id may name a container: it becomes a
// directory name, so it must not climb out of Root.
func ValidateID(id string) error {
	if !validID.MatchString(id) || id == "." || id == ".." || len(id) > 1024 {
		return fmt.Errorf("invalid container id %q: use letters, digits, '_', '+', '-' and '.': %w",
			id, errdefs.ErrInvalidArgument)
	}
	return nil
}

func (r *Runtime) dir(id string) string { return filepath.Join(r.Root, id) }

// Load returns the container named id.
func (r *Runtime) Load(id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	s, stamp, err := loadStateStamped(r.dir(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("container %q does not exist: %w", id, errdefs.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return &Container{rt: r, dir: r.dir(id), state: s, stamp: stamp}, nil
}

// List returns every container under Root, sorted by id. Entries without a
// readable state (a create in progress or interrupted) are skipped.
func (r *Runtime) List() ([]*Container, error) {
	entries, err := os.ReadDir(r.Root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := r.Load(e.Name())
		if err != nil {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, nil
}

// compileSeccomp compiles a container's seccomp config for its init,
// through a cache under the state root (a tmpfs by default), since most
// containers share a profile and libseccomp takes ~20 ms for Docker's.
func (r *Runtime) compileSeccomp(s *specs.LinuxSeccomp) (*seccomp.Filter, error) {
	if s == nil {
		return nil, nil
	}
	return seccomp.Cache{Dir: filepath.Join(r.Root, seccompCacheDir)}.Compile(s)
}

// seccompCacheDir is the cache's directory in the state root; '#' is not
// allowed in container ids, so no container can take the name.
const seccompCacheDir = "#seccomp-cache"
