// Package ocicli is hull-oci's command line: runc's commands, flags,
// output and exit codes over the runtime package, so that containerd,
// Docker and Podman can use hull-oci wherever they use runc. It only parses
// arguments, calls the runtime and prints; it holds no runtime logic.
package ocicli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	hullrt "github.com/hullrt/hull/internal/runtime"
)

// Version is hull-oci's version, set at build time with -ldflags -X.
var Version = "0.1.0-dev"

// globals are the flags that come before the command.
type globals struct {
	root          string
	logPath       string
	logFormat     string
	debug         bool
	systemdCgroup bool
	log           *logger
}

type command struct {
	summary string
	run     func(g *globals, args []string) error
}

var commands = map[string]command{
	"create":     {"create a container", cmdCreate},
	"start":      {"start a created container", cmdStart},
	"run":        {"create and start a container", cmdRun},
	"state":      {"print the state of a container", cmdState},
	"kill":       {"send a signal to a container's init", cmdKill},
	"delete":     {"delete a container and what it holds", cmdDelete},
	"exec":       {"run a new process in a container", cmdExec},
	"ps":         {"list the processes of a container", cmdPs},
	"list":       {"list containers", cmdList},
	"pause":      {"freeze every process of a container", cmdPause},
	"resume":     {"thaw a paused container", cmdResume},
	"update":     {"change a container's resource limits", cmdUpdate},
	"events":     {"print a container's stats and OOM events", cmdEvents},
	"features":   {"print the features this runtime implements", cmdFeatures},
	"spec":       {"write a default config.json", cmdSpec},
	"checkpoint": {"not supported", cmdUnsupported("checkpoint")},
	"restore":    {"not supported", cmdUnsupported("restore")},
}

// Main runs hull-oci with args (without the program name) and returns the
// exit status.
func Main(args []string) int {
	g := &globals{}
	fs := flag.NewFlagSet("hull-oci", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&g.root, "root", hullrt.DefaultRoot, "")
	fs.StringVar(&g.logPath, "log", "", "")
	fs.StringVar(&g.logFormat, "log-format", "text", "")
	fs.BoolVar(&g.debug, "debug", false, "")
	fs.BoolVar(&g.systemdCgroup, "systemd-cgroup", false, "")
	var version, help bool
	fs.BoolVar(&version, "version", false, "")
	fs.BoolVar(&version, "v", false, "")
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&help, "h", false, "")
	fs.String("rootless", "auto", "")
	fs.String("criu", "criu", "")
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(os.Stderr, "hull-oci: %v\n", err)
		return 2
	}
	if version {
		fmt.Printf("hull-oci version %s\nspec: %s\ngo: %s\n", Version, specs.Version, runtime.Version())
		return 0
	}
	rest := fs.Args()
	if help || len(rest) == 0 || rest[0] == "help" {
		usage(os.Stdout)
		return 0
	}
	log, err := newLogger(g.logPath, g.logFormat, g.debug)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hull-oci: %v\n", err)
		return 1
	}
	g.log = log
	defer log.close()
	cmd, ok := commands[rest[0]]
	if !ok {
		return g.fail(fmt.Errorf("unknown command %q (see hull-oci --help)", rest[0]))
	}
	if g.systemdCgroup {
		return g.fail(fmt.Errorf("--systemd-cgroup: the systemd cgroup driver is not supported; hull-oci manages cgroupfs directly"))
	}
	if err := cmd.run(g, rest[1:]); err != nil {
		if e, ok := err.(exitError); ok {
			return int(e)
		}
		return g.fail(err)
	}
	return 0
}

// exitError carries a container process's exit status out of a command
// that waited for it (run, exec) without printing anything.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// fail reports err as one line on stderr, and in the log file if there
// is one, and returns 1.
func (g *globals) fail(err error) int {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	if g.log != nil && !g.log.toStderr {
		g.log.errorf("%s", msg)
	}
	fmt.Fprintf(os.Stderr, "hull-oci: %s\n", msg)
	return 1
}

func (g *globals) runtime() (*hullrt.Runtime, error) {
	rt, err := hullrt.New(g.root)
	if err != nil {
		return nil, err
	}
	rt.Warn = func(msg string) { g.log.warnf("%s", msg) }
	return rt, nil
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: hull-oci [global flags] COMMAND [flags] ARGS\n\n")
	fmt.Fprintf(w, "An OCI runtime with runc's command line.\n\ncommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "\nglobal flags:\n  --root DIR        state directory (default %s)\n", hullrt.DefaultRoot)
	fmt.Fprintf(w, "  --log FILE        log file (default stderr)\n  --log-format FMT  text or json\n")
	fmt.Fprintf(w, "  --debug           log debug messages\n  --version         print the version\n")
}

func cmdUnsupported(name string) func(*globals, []string) error {
	return func(*globals, []string) error {
		return fmt.Errorf("%s is not supported by hull-oci", name)
	}
}
