// Package preamble is the C code hull-monitor runs before the Go runtime
// starts, for the two things a Go process cannot do for itself cheaply:
//
//   - Detach. With _HULL_MONITOR_DETACH set, the process forks and the
//     parent exits at once, so the monitor is nobody's child: it survives
//     the command that started it, which reaps the parent right away, and
//     it is reparented to init (or the nearest subreaper) rather than left
//     a zombie in a long-lived caller. Go cannot fork once its runtime
//     runs; here the process still has one thread.
//
//   - Wait while idle. With _HULL_MONITOR_IDLE set, the process blocks in
//     poll(2) on the descriptors the variable lists (the container's
//     output, the attach socket) and on SIGCHLD, before the Go runtime
//     exists: a waiting monitor is then a few hundred KiB of C, not a Go
//     heap and its threads. When any of them is ready, or the deadline
//     the variable carries passes, the constructor returns and the Go
//     runtime starts in the same process, which finds its children and
//     descriptors where it left them. The monitor re-executes itself into
//     this wait after a few quiet seconds (see package monitor).
//
// The variable's format is "DEADLINE:FD,FD,...", DEADLINE a CLOCK_MONOTONIC
// time in nanoseconds (0: none). A child that already exited counts as
// ready.
//
// Import it for its side effect, only from hull-monitor:
//
//	import _ "github.com/hullrt/hull/internal/monitor/preamble"
package preamble

// #cgo CFLAGS: -Wall -O2
import "C"
