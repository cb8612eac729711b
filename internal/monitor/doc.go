// Package monitor runs and watches one container per monitor process, so
// that hull needs no daemon: `hull run -d` starts a monitor and exits, and
// the monitor, like podman's conmon or containerd's shim, stays with the
// container for its whole life. It
//
//   - holds the container's stdio (pipes) or terminal (a pty whose master
//     the runtime sends over a console socket),
//   - writes the output to the container's log (package logs),
//   - reaps the container's init and records its exit code, and whether
//     the OOM killer struck, in state.json,
//   - applies the restart policy, with Docker's back-off,
//   - serves attachments on a unix socket, and
//   - runs a command (`hull rm` for --rm) once the container is gone.
//
// # Lifecycle
//
// The engine prepares an OCI bundle and calls Start, which writes the
// Config to Dir/monitor.json and spawns hull-monitor. Its C preamble forks
// it away from the caller; the monitor drives the runtime in-process
// (Create, Start, and Delete when the run ends), reports success or the
// runtime's error to Start over an inherited socket, and then loops:
//
//	running --exit--> restarting --back-off--> running ...
//	        \--exit (no restart, or MarkStopping)--> exited: monitor ends
//
// Other hull processes read the container's State with ReadState, wait
// for the end with WaitExit, attach with Dial, and stop it with
// MarkStopping followed by a signal. Everything a monitor shares lives in
// the container's directory:
//
//	Dir/monitor.json   the Config
//	Dir/state.json     the State, replaced atomically
//	Dir/attach.sock    the attach socket
//	Dir/monitor.log    the monitor's own warnings and crashes
//
// # The attach protocol
//
// Docker's stdcopy framing: an 8-byte header (stream, three zero bytes,
// big-endian length) and the payload. Streams 1 and 2 carry output from
// the monitor, stream 0 input to it; hull adds control streams for the end
// of input, terminal resizes, the stop request and its answer, and the exit
// code, which is always the last frame. Every attachment gets all output
// from the moment it connects; one that stops reading is dropped once a
// few MiB are queued for it, so that it never holds up the container or
// the log.
//
// # Memory
//
// An idle Go process costs several MiB of resident memory; with one
// monitor per container that adds up. A monitor quiet for a few seconds
// (no output, no input, no attachment) therefore re-executes itself with
// everything it must keep in inherited descriptors and one environment
// variable, and waits in its C preamble (package preamble) before the Go
// runtime starts. The first byte of output, connection, or exit of the
// container wakes it: the constructor returns, the Go runtime starts in
// the same process, and the monitor picks up where it left off. The
// process, its pid and its children stay the same throughout.
package monitor
