package runtime

import (
	"encoding/json"
	"fmt"
	"net"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// listenerRelay takes the seccomp notify listener of a starting process
// (a filter with SCMP_ACT_NOTIFY) and hands it to the agent at the
// config's listenerPath, as the runtime-spec asks: one connection, the
// container process state as JSON with the listener as SCM_RIGHTS, then
// close. The process sends its listener over a socket of its own (the
// sync socket is read through a buffered decoder, which would drop the
// descriptor), right after loading the filter and before it reports
// ready or execs.
type listenerRelay struct {
	sock *os.File // the runtime's end
	done chan error
}

// newListenerRelay makes the socket pair; child goes to the process.
func newListenerRelay() (*listenerRelay, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("seccomp listener socket: %w", err)
	}
	r := &listenerRelay{sock: os.NewFile(uintptr(fds[0]), "listener"), done: make(chan error, 1)}
	return r, os.NewFile(uintptr(fds[1]), "listener-child"), nil
}

// start relays the listener of the process pid, once it arrives, with the
// container's state as state() reports it then.
func (r *listenerRelay) start(s *specs.LinuxSeccomp, pid int, state func() specs.State) {
	go func() {
		defer r.sock.Close()
		f, err := receiveFile(r.sock, "seccomp listener")
		if err != nil {
			r.done <- err
			return
		}
		defer f.Close()
		r.done <- sendToAgent(s, f, specs.ContainerProcessState{
			Version: specs.Version, Fds: []string{specs.SeccompFdName},
			Pid: pid, Metadata: s.ListenerMetadata, State: state(),
		})
	}()
}

// wait returns once the listener reached the agent, or why it did not.
func (r *listenerRelay) wait() error { return <-r.done }

// close stops a relay whose process failed; the goroutine ends with it.
func (r *listenerRelay) close() { r.sock.Close() }

func sendToAgent(s *specs.LinuxSeccomp, f *os.File, st specs.ContainerProcessState) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: s.ListenerPath, Net: "unix"})
	if err != nil {
		return fmt.Errorf("seccomp: connecting to the agent at listenerPath: %w", err)
	}
	defer conn.Close()
	if _, _, err := conn.WriteMsgUnix(data, unix.UnixRights(int(f.Fd())), nil); err != nil {
		return fmt.Errorf("seccomp: sending the listener to the agent at %s: %w", s.ListenerPath, err)
	}
	return nil
}

// listenerRelay returns a relay when cfg's filter hands notifications to a
// listener, and appends the process's end of its socket to extra.
func (cfg *initConfig) listenerRelay(extra *[]*os.File) (*listenerRelay, error) {
	f, err := cfg.seccompFilter()
	if err != nil || f == nil || !f.Notifies() {
		return nil, err
	}
	r, child, err := newListenerRelay()
	if err != nil {
		return nil, err
	}
	cfg.ListenerFD = 3 + len(*extra)
	*extra = append(*extra, child)
	return r, nil
}
