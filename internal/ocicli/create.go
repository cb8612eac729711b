package ocicli

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	hullrt "github.com/hullrt/hull/internal/runtime"
)

// createFlags are shared by create and run.
type createFlags struct {
	bundle        string
	consoleSocket string
	pidFile       string
	noPivot       bool
	noNewKeyring  bool
	preserveFDs   int
}

func (f *createFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.bundle, "bundle", "", "")
	fs.StringVar(&f.bundle, "b", "", "")
	fs.StringVar(&f.consoleSocket, "console-socket", "", "")
	fs.StringVar(&f.pidFile, "pid-file", "", "")
	fs.BoolVar(&f.noPivot, "no-pivot", false, "")
	fs.BoolVar(&f.noNewKeyring, "no-new-keyring", false, "")
	fs.IntVar(&f.preserveFDs, "preserve-fds", 0, "")
}

// opts turns the flags into the runtime's options. The console socket, if
// any, is connected here: the path may not be reachable from inside the
// container's mount namespace.
func (f *createFlags) opts() (hullrt.CreateOpts, func(), error) {
	o := hullrt.CreateOpts{
		Bundle:       f.bundle,
		Stdin:        os.Stdin,
		Stdout:       os.Stdout,
		Stderr:       os.Stderr,
		NoPivot:      f.noPivot,
		NoNewKeyring: f.noNewKeyring,
	}
	var err error
	if o.PreserveFDs, err = inheritedFiles(f.preserveFDs); err != nil {
		return o, nil, err
	}
	if f.consoleSocket == "" {
		return o, func() {}, nil
	}
	sock, err := dialConsoleSocket(f.consoleSocket)
	if err != nil {
		return o, nil, err
	}
	o.ConsoleSocket = sock
	return o, func() { sock.Close() }, nil
}

func dialConsoleSocket(path string) (*os.File, error) {
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("console socket: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("connecting to console socket %s: %w", path, err)
	}
	return os.NewFile(uintptr(fd), path), nil
}

func cmdCreate(g *globals, args []string) error {
	var f createFlags
	fs := newFlags("create")
	f.register(fs)
	pos, err := parseArgs(fs, args, 0)
	if err != nil {
		return err
	}
	id, err := needID("create", pos)
	if err != nil {
		return err
	}
	rt, err := g.runtime()
	if err != nil {
		return err
	}
	opts, done, err := f.opts()
	if err != nil {
		return err
	}
	defer done()
	c, err := rt.Create(id, opts)
	if err != nil {
		return err
	}
	if err := writePidFile(f.pidFile, c.Pid()); err != nil {
		c.Delete(true)
		return err
	}
	return nil
}

func cmdStart(g *globals, args []string) error {
	c, err := loadOne(g, "start", args)
	if err != nil {
		return err
	}
	return c.Start()
}

// loadOne parses a command that takes only an id and loads the container.
func loadOne(g *globals, name string, args []string) (*hullrt.Container, error) {
	pos, err := parseArgs(newFlags(name), args, 0)
	if err != nil {
		return nil, err
	}
	id, err := needID(name, pos)
	if err != nil {
		return nil, err
	}
	rt, err := g.runtime()
	if err != nil {
		return nil, err
	}
	return rt.Load(id)
}

func cmdPause(g *globals, args []string) error {
	c, err := loadOne(g, "pause", args)
	if err != nil {
		return err
	}
	return c.Pause()
}

func cmdResume(g *globals, args []string) error {
	c, err := loadOne(g, "resume", args)
	if err != nil {
		return err
	}
	return c.Resume()
}
