// Package runtime is hull's OCI runtime for the linux isolation backend: it
// turns an OCI bundle (config.json and a root filesystem) into a container
// isolated by namespaces and cgroups, and drives it through the lifecycle the
// OCI runtime specification defines.
//
// Vocabulary, used the same way in every file:
//
//   - bundle: the directory holding config.json and, usually, the rootfs.
//   - container: what Create makes from a bundle, named by an id unique
//     under the runtime's Root; its state lives in Root/<id>/state.json and
//     survives the process that created it.
//   - init: the container's first process. Create starts it blocked; Start
//     lets it exec the user's program.
//   - exec'd process: an extra process Exec starts in a running container.
//   - the parent: the runtime process (hull-oci, or the engine in-process)
//     that spawns init or an exec'd process and talks to it over a socket.
//
// The lifecycle (runtime-spec runtime.md):
//
//	c, err := rt.Create(ctx, id, CreateOpts{Bundle: dir})  // status "created"
//	err = c.Start()                                         // "running"
//	err = c.Signal(unix.SIGTERM, false)                     // ... "stopped"
//	err = c.Delete(false)                                   // gone
//
// How a process gets into the container: the parent re-executes its own
// binary (the program must import internal/nsexec and hand the "init"
// command to Init). The nsexec preamble joins and creates the namespaces and
// forks the process that continues as init, inside them. Init builds the
// root filesystem, lets the parent run the hooks that belong to it, sets up
// the process (user, capabilities, rlimits, seccomp) and then, for a
// container, blocks writing to the exec fifo (Root/<id>/exec.fifo) until
// Start opens it, as runc does; an exec'd process goes straight to execve.
//
// A container's init, and an exec'd process, come in two kinds that do the
// same:
//
//   - The C init (internal/nsexec/cinit.c), the default for containers and
//     exec'd processes: the parent turns the spec into a plan of
//     operations (planInit, package initplan, the Plan functions of
//     package rootfs) and sends it with the preamble's request, so the
//     process is set up without starting a second Go runtime. This is what
//     makes a start about 2 ms shorter.
//   - The Go init (Init), for the configs the C init leaves alone:
//     createContainer and startContainer hooks, LSM labels, scheduling
//     attributes, seccomp listeners, --no-pivot, no mount namespace. It reads its configuration from the socket and calls
//     package rootfs itself. HULL_INIT=go in the parent's environment sends
//     every container and exec'd process here.
//
// test/oci runs the same configs and unsafe mounts through both and
// compares what the container sees.
//
// Nothing here parses command lines or prints for a person: the CLI
// (internal/ocicli) and the engine call this API.
package runtime
