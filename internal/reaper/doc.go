// Package reaper is hull-init, the small init a container runs as its PID 1
// when `hull run --init` asks for one (the default): it does for hull what
// tini does for Docker.
//
// Why a container needs it: the kernel treats a pid namespace's first
// process specially. Orphans are re-parented to it, so unless it waits for
// them they stay zombies for the container's lifetime; and it receives no
// signal it has not installed a handler for, so a program that never meant
// to be an init (a shell script, a JVM) ignores the SIGTERM of `hull stop`
// and is only ever killed ten seconds later. hull-init runs the real
// command as its only child and, as PID 1:
//
//   - starts the child in its own process group, in the foreground of the
//     terminal when stdin is the controlling terminal, so Ctrl-C and job
//     control reach the program the way they would outside a container;
//   - forwards every catchable signal it receives to the child (or, with
//     -g, to the child's process group);
//   - reaps every zombie, its own child's and the orphans';
//   - exits with the child's status once the child is gone (its exit code,
//     or 128+n when signal n killed it), without waiting for orphans that
//     are still running: leaving the namespace kills them.
//
// A command that cannot be executed makes it exit 127 (not found) or 126
// (found but not executable), as a shell and Docker do.
//
// Where it differs from tini, because it is written in Go: Go's runtime
// installs its own signal handlers at start, so a SIGHUP, SIGINT or
// SIGTERM that arrives in the few hundred microseconds before hull-init
// catches them ends it (status 2) rather than being ignored as a C init's
// would; from the moment the command runs, they are caught. Other signals
// are caught while the command starts, so one sent in its first
// millisecond may be lost. SIGURG and SIGPROF are never forwarded (see
// catchable). And Go's runtime start makes hull-init cost about 1.5 ms
// more than running the command directly, against tini's 0.5 ms.
//
// The engine bind-mounts the host's static hull-init binary read-only at
// /dev/init and runs ["/dev/init", "--", entrypoint+cmd...], so images need
// nothing. hull-init is on the critical path of every `hull run`, so this
// package uses only the standard library and golang.org/x/sys.
package reaper
