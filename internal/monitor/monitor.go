package monitor

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	goruntime "runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/logs"
	"github.com/hullrt/hull/internal/proc"
	"github.com/hullrt/hull/internal/runtime"
)

// monitor is the running monitor process's view of its container. The
// main loop (loop) owns the container's run: pid, streams, state and the
// restart schedule; attachments and copiers run in their own goroutines
// and reach the loop through channels or the locks noted below.
type monitor struct {
	cfg   *Config
	rt    *runtime.Runtime
	ctr   *runtime.Container // the current run's, once known (see container)
	state State
	logw  *logs.Writer // nil without a log

	// The current run of the container.
	pid     int       // its init; 0 while none runs
	streams []*stream // stdout and stderr, or the terminal
	copying sync.WaitGroup
	in      input

	// The attach socket. listenFile (descriptor listenFD) is what is
	// handed over across the idle re-execution; listener wraps a
	// duplicate of it.
	listenFile *os.File
	listenFD   int
	listener   *net.UnixListener
	accepting  sync.WaitGroup
	clientsMu  sync.Mutex
	clients    map[*client]struct{}
	writing    sync.WaitGroup // the clients' writer goroutines

	sigchld  chan os.Signal
	stops    chan *client
	activity atomic.Int64 // unix nanoseconds of the last output or input

	// clientRemoves: the attachment that removes the container was there
	// at its exit (see Config.FirstClientRemoves).
	clientRemoves bool

	stopping     bool          // the user stopped it: no restart
	restartDelay time.Duration // the back-off before the next restart
	restart      *time.Timer   // pending restart, or nil
	restartAt    time.Time
	done         bool
}

// Main is hull-monitor's entry point, after main has handed the runtime's
// "init" to runtime.Init; args are the program's arguments:
//
//	run [--attach] DIR   start the container of DIR/monitor.json, report on fd 3
//	idle DIR             go on after the preamble's idle wait (see goIdle)
func Main(args []string) int {
	switch {
	case len(args) == 2 && args[0] == "run":
		return run(args[1], false)
	case len(args) == 3 && args[0] == "run" && args[1] == "--attach":
		return run(args[2], true)
	case len(args) == 2 && args[0] == "idle":
		return resume(args[1])
	}
	fmt.Fprintln(os.Stderr, "usage: hull-monitor run [--attach] DIR | idle DIR (hull starts it; see package monitor)")
	return 2
}

// settleTime is how long after a start the monitor returns its start-up
// memory to the kernel.
const settleTime = 500 * time.Millisecond

func newMonitor(dir string) (*monitor, error) {
	// A monitor moves little data and mostly sleeps: one P, and a heap
	// kept small once the container runs (see run). Until then the GC is
	// off: a collection in the middle of a container's start is on its
	// critical path.
	if goruntime.GOMAXPROCS(0) != 1 {
		goruntime.GOMAXPROCS(1)
	}
	os.Unsetenv("GOMAXPROCS") // the container's hooks inherit the environment
	debug.SetGCPercent(-1)
	cfg, err := readConfig(dir)
	if err != nil {
		return nil, err
	}
	rt, err := runtime.New(cfg.RuntimeRoot)
	if err != nil {
		return nil, err
	}
	m := &monitor{cfg: cfg, rt: rt, listenFD: -1, clients: map[*client]struct{}{},
		sigchld: make(chan os.Signal, 1), stops: make(chan *client)}
	rt.Warn = m.warn
	signal.Notify(m.sigchld, unix.SIGCHLD)
	// A container's init is the monitor's child (the runtime clones it
	// with CLONE_PARENT); as a subreaper the monitor also inherits what
	// init leaves behind when the container shares the host's pid
	// namespace, and reaps it.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("becoming a subreaper: %w", err)
	}
	if cfg.Log.Path != "" {
		if m.logw, err = logs.Open(cfg.Log); err != nil {
			return nil, err
		}
	}
	m.touch()
	return m, nil
}

// run is a new monitor: it starts the container, reports to Start through
// fd 3, and then watches over it.
func run(dir string, attached bool) int {
	ready := os.NewFile(3, "ready")
	unix.CloseOnExec(3)
	var pending *bufio.Reader
	if dir == pendingDir {
		// The container is still being made: do now what its start
		// would otherwise do cold.
		warmUp()
		pending = bufio.NewReader(ready)
		var err error
		if dir, err = awaitDir(pending); err != nil {
			return 0 // abandoned (see Prefork): nobody to tell
		}
	}
	var first *client
	m, err := newMonitor(dir)
	if err == nil {
		err = checkNoMonitor(dir)
	}
	if err == nil {
		if attached {
			unix.CloseOnExec(4)
			first, err = m.inheritedClient(os.NewFile(4, "attach"))
			if first != nil {
				first.removes = m.cfg.FirstClientRemoves
			}
		}
		if err == nil {
			err = m.listen()
		}
	}
	if err == nil && pending != nil && awaitStart(pending) != nil {
		m.closeListener()
		return 0 // abandoned while its bundle was being made
	}
	if err == nil {
		err = m.firstStart(first)
	}
	if err != nil {
		// Cleaned up before the report: once Start returns, nothing of
		// the monitor may be left.
		if m != nil {
			m.closeListener()
		}
		json.NewEncoder(ready).Encode(readyMsg{Error: err.Error()})
		return 1
	}
	json.NewEncoder(ready).Encode(readyMsg{Pid: os.Getpid()})
	ready.Close()
	debug.SetGCPercent(50)
	// Memory goes back to the kernel once the container has settled, not
	// while a short one is exiting and its exit is to be reported.
	time.AfterFunc(settleTime, debug.FreeOSMemory)
	return m.loop()
}

// firstStart starts the container for the first time; state.json then
// says running, with a restart count back at 0, as after `docker start`.
func (m *monitor) firstStart(first *client) error {
	_, start, ok := proc.Stat(os.Getpid())
	if !ok {
		return fmt.Errorf("reading the monitor's own start time")
	}
	m.state = State{MonitorPid: os.Getpid(), MonitorStart: start}
	return m.startContainer(first)
}

func (m *monitor) path(name string) string { return m.cfg.Dir + "/" + name }

func (m *monitor) touch() { m.activity.Store(time.Now().UnixNano()) }

// warn records what the monitor cannot report to anyone else, in its log.
func (m *monitor) warn(msg string) {
	fmt.Fprintf(os.Stderr, "%s hull-monitor %s: %s\n", time.Now().UTC().Format(time.RFC3339), m.cfg.ID, msg)
}
