package engine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/hullrt/hull/internal/events"
	"github.com/hullrt/hull/internal/images"
	"github.com/hullrt/hull/internal/runtime"
	"github.com/hullrt/hull/internal/volume"
)

// DefaultRoot and DefaultExecRoot are where a root engine keeps its data and
// its runtime state.
const (
	DefaultRoot     = "/var/lib/hull"
	DefaultExecRoot = "/run/hull"
)

// Options say where the engine lives and which helper programs it starts.
type Options struct {
	// Root holds images, containers, volumes and events.
	Root string
	// ExecRoot holds the runtime's state, which must not outlive a boot.
	// Default: DefaultExecRoot for the default Root, else Root/exec.
	ExecRoot string
	// Monitor, Init and Hull are the hull-monitor, hull-init and hull
	// executables. Default: the file of that name beside this executable,
	// else the one on $PATH.
	Monitor, Init, Hull string
}

// Engine is the container engine over one root. It holds no lock and no
// process of its own, so any number of Engines (in any number of processes)
// may share a root.
type Engine struct {
	root, execRoot string
	bins           binaries
	images         *images.Service
	volumes        *volume.Store
	events         *events.Journal
	runtime        *runtime.Runtime
}

// binaries are the programs the engine starts.
type binaries struct{ monitor, init, hull string }

// Open opens the engine's stores under opts.Root, creating them if needed.
func Open(opts Options) (*Engine, error) {
	if opts.Root == "" {
		opts.Root = DefaultRoot
	}
	if opts.ExecRoot == "" {
		opts.ExecRoot = ExecRootFor(opts.Root)
	}
	e := &Engine{root: opts.Root, execRoot: opts.ExecRoot}
	e.bins = binaries{
		monitor: findBinary(opts.Monitor, "hull-monitor"),
		init:    findBinary(opts.Init, "hull-init"),
		hull:    findBinary(opts.Hull, "hull"),
	}
	for _, d := range []string{e.namesDir(), e.trashDir(), e.logsDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("creating %s: %w", e.root, err)
		}
	}
	var err error
	if e.images, err = images.Open(e.root); err != nil {
		return nil, err
	}
	if e.volumes, err = volume.Open(filepath.Join(e.root, "volumes")); err != nil {
		e.images.Close()
		return nil, err
	}
	if e.events, err = events.Open(e.eventsPath()); err != nil {
		e.images.Close()
		return nil, err
	}
	if e.runtime, err = runtime.New(filepath.Join(e.execRoot, "runtime")); err != nil {
		e.Close()
		return nil, err
	}
	// exec re-executes a program that carries the nsexec preamble and the
	// runtime's init: hull-monitor does (it starts containers), hull does not.
	e.runtime.Self = e.bins.monitor
	return e, nil
}

// Close releases the stores; containers keep running.
func (e *Engine) Close() error {
	e.events.Close()
	return e.images.Close()
}

// Images is the image service the engine runs containers from.
func (e *Engine) Images() *images.Service { return e.images }

// Volumes is the volume store.
func (e *Engine) Volumes() *volume.Store { return e.volumes }

// Events is the event journal every hull process appends to.
func (e *Engine) Events() *events.Journal { return e.events }

// ExecRootFor is the exec root that goes with root when none is given:
// DefaultExecRoot for the default root, ROOT/exec for any other, so that
// engines with their own roots share nothing.
func ExecRootFor(root string) string {
	if filepath.Clean(root) == DefaultRoot {
		return DefaultExecRoot
	}
	return filepath.Join(root, "exec")
}

// findBinary resolves a helper program: the given path, else FindBinary.
func findBinary(given, name string) string {
	if given != "" {
		return given
	}
	return FindBinary(name)
}

// FindBinary finds one of hull's programs: beside the running executable
// (an installed or freshly built hull), else on $PATH, else name itself.
func FindBinary(name string) string {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return name
}

// eventsPath is the journal; it has a directory of its own because
// followers wake for every change in the journal's directory.
func (e *Engine) eventsPath() string { return filepath.Join(e.root, "events", "events.log") }
