// Command hull-monitor watches over one running container: it holds the
// container's stdio or terminal, writes its log, records its exit, applies
// its restart policy and serves attachments. hull starts one per container
// (package monitor, Start); it is not meant to be run by hand.
//
// It is also the program the runtime re-executes as the container's init,
// and its C preamble (package preamble) detaches it and keeps it small
// while the container is quiet.
package main

import (
	"os"

	"github.com/hullrt/hull/internal/monitor"
	_ "github.com/hullrt/hull/internal/monitor/preamble"
	_ "github.com/hullrt/hull/internal/nsexec"
	"github.com/hullrt/hull/internal/runtime"
)

func main() {
	// The nsexec constructor has already run by now when the runtime
	// started this binary as a container's init.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.Init()
		os.Exit(1)
	}
	os.Exit(monitor.Main(os.Args[1:]))
}
