// Package nsexec is the C preamble that places a new process in a
// container's namespaces before the Go runtime starts.
//
// Go starts several threads before main runs, and the kernel refuses setns
// into a mount or user namespace, and unshare of a user namespace, to a
// multi-threaded process; a process also enters a pid namespace only by being
// born into it. So the runtime re-executes its own binary with the
// environment variable _HULL_BOOTSTRAP naming one end of a socket, and the
// constructor in nsexec.c, which runs before the Go runtime, reads which
// namespaces to join and create, does so, and forks the process that goes on
// as the container's init (or as an exec'd process) inside them.
//
// Import this package for its side effect, only from the binary that the
// runtime re-executes:
//
//	import _ "github.com/hullrt/hull/internal/nsexec"
//
// Without _HULL_BOOTSTRAP in the environment the constructor returns at once.
package nsexec

// #cgo CFLAGS: -Wall -O2
import "C"
