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
// It is written in C (cmd/hull-init/init.c) and runs before Go's runtime
// would start: it blocks every signal but the synchronous ones from its
// first instruction and takes them with sigwaitinfo, so none is lost or
// acted on by default while the command starts, and PID 1 needs no signal
// handlers at all. It costs about 0.7 ms more than running the command
// directly (tini: 1.2 ms, its Go predecessor: 2.5 ms here).
//
// Its flags, as tini's: -g sends forwarded signals to the child's process
// group, -s makes it a child subreaper when it is not PID 1; -h prints the
// usage; "--" or the first argument that is not a flag ends them. A bad
// flag or no command exits 1 with the usage.
//
// The engine bind-mounts the host's static hull-init binary read-only at
// /dev/init and runs ["/dev/init", "--", entrypoint+cmd...], so images need
// nothing.
//
// This package holds no code: its tests build cmd/hull-init and run it as
// a pid namespace's init and as a subreaper.
package reaper
