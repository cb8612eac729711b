package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/hullrt/hull/internal/engine"
	"github.com/hullrt/hull/internal/images"
)

// Version is printed by `hull --version`; the build may set it with -ldflags -X.
var Version = "0.1.0-dev"

// exitEngineError is Docker's status for an error of the engine itself.
const exitEngineError = 125

// globals are the flags that come before the command.
type globals struct {
	root     string
	execRoot string
	insecure []string
	mirrors  []string
	debug    bool
}

// env is what every command runs with: the streams, the global options and
// the image service, opened on first use so `hull --help` touches no disk.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	g              globals
	svc            *images.Service
	eng            *engine.Engine
}

// engine opens the container engine on first use; it brings its own image
// service, which images() then shares.
func (e *env) engine() (*engine.Engine, error) {
	if e.eng == nil {
		eng, err := engine.Open(engine.Options{Root: e.g.root, ExecRoot: e.g.execRoot})
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", e.g.root, err)
		}
		e.eng = eng
	}
	return e.eng, nil
}

func (e *env) images() (*images.Service, error) {
	if e.eng != nil {
		return e.eng.Images(), nil
	}
	if e.svc == nil {
		svc, err := images.Open(e.g.root)
		if err != nil {
			return nil, fmt.Errorf("opening %s: %w", e.g.root, err)
		}
		e.svc = svc
	}
	return e.svc, nil
}

// command is one verb: its usage line, a description, and what runs it.
type command struct {
	usage string
	short string
	run   func(ctx context.Context, e *env, args []string) error
}

// commands maps each verb (and "image VERB") to its command.
func commands() map[string]command {
	return map[string]command{
		"images":        {"hull images [OPTIONS] [REPOSITORY[:TAG]]", "List images", runImages},
		"image ls":      {"hull image ls [OPTIONS] [REPOSITORY[:TAG]]", "List images", runImages},
		"pull":          {"hull pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry", runPull},
		"push":          {"hull push [OPTIONS] NAME[:TAG]", "Upload an image to a registry", runPush},
		"tag":           {"hull tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]", "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", runTag},
		"rmi":           {"hull rmi [OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", runRmi},
		"image rm":      {"hull image rm [OPTIONS] IMAGE [IMAGE...]", "Remove one or more images", runRmi},
		"image inspect": {"hull image inspect [OPTIONS] IMAGE [IMAGE...]", "Display detailed information on one or more images", runInspect},
		"history":       {"hull history [OPTIONS] IMAGE", "Show the history of an image", runHistory},
		"image history": {"hull image history [OPTIONS] IMAGE", "Show the history of an image", runHistory},
		"save":          {"hull save [OPTIONS] IMAGE [IMAGE...]", "Save one or more images to a tar archive (streamed to STDOUT by default)", runSave},
		"load":          {"hull load [OPTIONS]", "Load an image from a tar archive or STDIN", runLoad},
		"import":        {"hull import [OPTIONS] file|- [REPOSITORY[:TAG]]", "Import the contents from a tarball to create a filesystem image", runImport},
		"image prune":   {"hull image prune [OPTIONS]", "Remove unused images", runPrune},
		"system prune":  {"hull system prune [OPTIONS]", "Remove unused data", runSystemPrune},
		"system df":     {"hull system df", "Show hull disk usage", runDF},
		"build":         {"hull build [OPTIONS] PATH | -", "Build an image from a Dockerfile", runBuild},
		"builder prune": {"hull builder prune [OPTIONS]", "Remove build cache", runBuilderPrune},
		"login":         {"hull login [OPTIONS] [SERVER]", "Log in to a registry", runLogin},
		"logout":        {"hull logout [SERVER]", "Log out from a registry", runLogout},

		"run":                {"hull run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image", runRun},
		"container run":      {"hull container run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image", runRun},
		"create":             {"hull create [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container", runCreate},
		"container create":   {"hull container create [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create a new container", runCreate},
		"start":              {"hull start [OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers", runStart},
		"container start":    {"hull container start [OPTIONS] CONTAINER [CONTAINER...]", "Start one or more stopped containers", runStart},
		"stop":               {"hull stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers", runStop},
		"container stop":     {"hull container stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers", runStop},
		"restart":            {"hull restart [OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers", runRestart},
		"container restart":  {"hull container restart [OPTIONS] CONTAINER [CONTAINER...]", "Restart one or more containers", runRestart},
		"kill":               {"hull kill [OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers", runKill},
		"container kill":     {"hull container kill [OPTIONS] CONTAINER [CONTAINER...]", "Kill one or more running containers", runKill},
		"rm":                 {"hull rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", runRm},
		"container rm":       {"hull container rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers", runRm},
		"ps":                 {"hull ps [OPTIONS]", "List containers", runPs},
		"container ls":       {"hull container ls [OPTIONS]", "List containers", runPs},
		"container list":     {"hull container list [OPTIONS]", "List containers", runPs},
		"container ps":       {"hull container ps [OPTIONS]", "List containers", runPs},
		"logs":               {"hull logs [OPTIONS] CONTAINER", "Fetch the logs of a container", runLogs},
		"container logs":     {"hull container logs [OPTIONS] CONTAINER", "Fetch the logs of a container", runLogs},
		"exec":               {"hull exec [OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container", runExec},
		"container exec":     {"hull container exec [OPTIONS] CONTAINER COMMAND [ARG...]", "Execute a command in a running container", runExec},
		"attach":             {"hull attach [OPTIONS] CONTAINER", "Attach local standard input, output, and error streams to a running container", runAttach},
		"container attach":   {"hull container attach [OPTIONS] CONTAINER", "Attach local standard input, output, and error streams to a running container", runAttach},
		"wait":               {"hull wait CONTAINER [CONTAINER...]", "Block until one or more containers stop, then print their exit codes", runWait},
		"container wait":     {"hull container wait CONTAINER [CONTAINER...]", "Block until one or more containers stop, then print their exit codes", runWait},
		"inspect":            {"hull inspect [OPTIONS] NAME|ID [NAME|ID...]", "Return low-level information on containers, images or volumes", runInspectAny},
		"container inspect":  {"hull container inspect [OPTIONS] CONTAINER [CONTAINER...]", "Display detailed information on one or more containers", runContainerInspect},
		"top":                {"hull top CONTAINER [ps OPTIONS]", "Display the running processes of a container", runTop},
		"container top":      {"hull container top CONTAINER [ps OPTIONS]", "Display the running processes of a container", runTop},
		"stats":              {"hull stats [OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics", runStats},
		"container stats":    {"hull container stats [OPTIONS] [CONTAINER...]", "Display a live stream of container(s) resource usage statistics", runStats},
		"update":             {"hull update [OPTIONS] CONTAINER [CONTAINER...]", "Update configuration of one or more containers", runUpdate},
		"container update":   {"hull container update [OPTIONS] CONTAINER [CONTAINER...]", "Update configuration of one or more containers", runUpdate},
		"pause":              {"hull pause CONTAINER [CONTAINER...]", "Pause all processes within one or more containers", runPause},
		"container pause":    {"hull container pause CONTAINER [CONTAINER...]", "Pause all processes within one or more containers", runPause},
		"unpause":            {"hull unpause CONTAINER [CONTAINER...]", "Unpause all processes within one or more containers", runUnpause},
		"container unpause":  {"hull container unpause CONTAINER [CONTAINER...]", "Unpause all processes within one or more containers", runUnpause},
		"rename":             {"hull rename CONTAINER NEW_NAME", "Rename a container", runRename},
		"commit":             {"hull commit [OPTIONS] CONTAINER REPOSITORY[:TAG]", "Create a new image from a container's changes", runCommit},
		"container commit":   {"hull container commit [OPTIONS] CONTAINER REPOSITORY[:TAG]", "Create a new image from a container's changes", runCommit},
		"container rename":   {"hull container rename CONTAINER NEW_NAME", "Rename a container", runRename},
		"cp":                 {"hull cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\thull cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", "Copy files/folders between a container and the local filesystem", runCp},
		"container cp":       {"hull container cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\thull container cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH", "Copy files/folders between a container and the local filesystem", runCp},
		"port":               {"hull port CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific mapping for the container", runPort},
		"container port":     {"hull container port CONTAINER [PRIVATE_PORT[/PROTO]]", "List port mappings or a specific mapping for the container", runPort},
		"container prune":    {"hull container prune [OPTIONS]", "Remove all stopped containers", runContainerPrune},
		"events":             {"hull events [OPTIONS]", "Get real time events from hull", runEvents},
		"system events":      {"hull system events [OPTIONS]", "Get real time events from hull", runEvents},
		"network create":     {"hull network create [OPTIONS] NETWORK", "Create a network", runNetworkCreate},
		"network ls":         {"hull network ls [OPTIONS]", "List networks", runNetworkLs},
		"network list":       {"hull network list [OPTIONS]", "List networks", runNetworkLs},
		"network inspect":    {"hull network inspect [OPTIONS] NETWORK [NETWORK...]", "Display detailed information on one or more networks", runNetworkInspect},
		"network rm":         {"hull network rm NETWORK [NETWORK...]", "Remove one or more networks", runNetworkRm},
		"network remove":     {"hull network remove NETWORK [NETWORK...]", "Remove one or more networks", runNetworkRm},
		"network prune":      {"hull network prune [OPTIONS]", "Remove all unused networks", runNetworkPrune},
		"network connect":    {"hull network connect [OPTIONS] NETWORK CONTAINER", "Connect a container to a network", runNetworkConnect},
		"network release":    {"hull network release CONTAINER", "Give back a stopped container's addresses and ports (its monitor runs this)", runNetworkRelease},
		"network disconnect": {"hull network disconnect [OPTIONS] NETWORK CONTAINER", "Disconnect a container from a network", runNetworkDisconnect},
		"volume create":      {"hull volume create [OPTIONS] [VOLUME]", "Create a volume", runVolumeCreate},
		"volume ls":          {"hull volume ls [OPTIONS]", "List volumes", runVolumeLs},
		"volume list":        {"hull volume list [OPTIONS]", "List volumes", runVolumeLs},
		"volume inspect":     {"hull volume inspect [OPTIONS] VOLUME [VOLUME...]", "Display detailed information on one or more volumes", runVolumeInspect},
		"volume rm":          {"hull volume rm [OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", runVolumeRm},
		"volume remove":      {"hull volume remove [OPTIONS] VOLUME [VOLUME...]", "Remove one or more volumes", runVolumeRm},
		"volume prune":       {"hull volume prune [OPTIONS]", "Remove unused local volumes", runVolumePrune},
	}
}

// Main runs hull with the process's arguments and streams and returns the
// exit status.
// SIGINT and SIGTERM cancel the command's context rather than kill the
// process, so a pull stops between writes and its ingests resume next time.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr}
	return run(ctx, e, args)
}

// run runs one hull command line (without the program name).
func run(ctx context.Context, e *env, args []string) int {
	rest, err := parseGlobals(e, args)
	if err == nil {
		err = dispatch(ctx, e, rest)
	}
	if e.eng != nil {
		e.eng.Close()
	} else if e.svc != nil {
		e.svc.Close()
	}
	var status exitStatus
	var startErr *engine.ExitError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &status):
		return int(status)
	case errors.As(err, &startErr):
		fmt.Fprintf(e.stderr, "hull: %s\n", oneLine(err))
		return startErr.Code
	default:
		fmt.Fprintf(e.stderr, "hull: %s\n", oneLine(err))
		return exitEngineError
	}
}

// exitStatus is returned by a command that ends with a status of its own
// and nothing to print: `hull run` passing on its container's exit code.
type exitStatus int

func (s exitStatus) Error() string { return fmt.Sprintf("exit status %d", int(s)) }

// oneLine keeps an error to the single line scripts expect.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// parseGlobals reads the flags before the command: --root, --debug,
// --insecure-registry and --registry-mirror (repeatable), --version, --help.
func parseGlobals(e *env, args []string) ([]string, error) {
	e.g.root = os.Getenv("HULL_ROOT")
	if e.g.root == "" {
		e.g.root = "/var/lib/hull"
	}
	var version bool
	fs := newFlagSet("hull", "hull [OPTIONS] COMMAND", e.stdout)
	fs.String(&e.g.root, "", "root", "Where hull keeps its data (env HULL_ROOT)")
	fs.String(&e.g.execRoot, "", "exec-root", "Where hull keeps runtime state (default /run/hull, or ROOT/exec for another root)")
	fs.Strings(&e.g.insecure, "", "insecure-registry", "Reach this registry over plain HTTP")
	fs.Strings(&e.g.mirrors, "", "registry-mirror", "A mirror tried before Docker Hub")
	fs.Bool(&e.g.debug, "D", "debug", "Enable debug output")
	fs.Bool(&version, "v", "version", "Print version information and quit")
	fs.fs.Usage = func() {}
	if err := fs.fs.Parse(fs.expandShorts(args)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(e.stdout)
			return nil, errHelp
		}
		return nil, err
	}
	if version {
		fmt.Fprintf(e.stdout, "hull version %s\n", Version)
		return nil, errHelp
	}
	return fs.fs.Args(), nil
}

// dispatch finds the command named by the first one or two words.
func dispatch(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "help" {
		printHelp(e.stdout)
		return nil
	}
	cmds := commands()
	name := args[0]
	group := func(n string) bool {
		return n == "image" || n == "system" || n == "container" || n == "volume" || n == "network" || n == "builder"
	}
	if group(name) && len(args) > 1 {
		name += " " + args[1]
		args = args[1:]
	}
	c, ok := cmds[name]
	if !ok && group(name) {
		printHelp(e.stdout)
		return fmt.Errorf("%q needs a subcommand", name)
	}
	if !ok {
		return fmt.Errorf("%q is not a hull command; see 'hull help'", name)
	}
	return c.run(ctx, e, args[1:])
}

// printHelp lists the commands, as `docker help` does.
func printHelp(w io.Writer) {
	fmt.Fprintln(w, "\nUsage:  hull [OPTIONS] COMMAND\n\nA container engine.\n\nCommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-15s %s\n", n, cmds[n].short)
	}
	fmt.Fprintln(w, "\nGlobal Options:\n      --root string               Where hull keeps its data (default /var/lib/hull, env HULL_ROOT)\n"+
		"      --insecure-registry HOST    Reach this registry over plain HTTP (repeatable)\n"+
		"      --registry-mirror URL       A mirror tried before Docker Hub (repeatable)\n"+
		"  -D, --debug                     Enable debug output\n"+
		"  -v, --version                   Print version information and quit\n\n"+
		"Run 'hull COMMAND --help' for more information on a command.")
}

// newFlags starts the flag set of the command named by usage.
func (e *env) newFlags(name string) *flagSet {
	c := commands()[name]
	return newFlagSet(name, c.usage+"\n\n"+c.short, e.stdout)
}
