// Command hull-oci is hull's OCI runtime with runc's command line. See
// internal/ocicli for the commands and internal/runtime for what they do.
package main

import (
	"os"

	_ "github.com/hullrt/hull/internal/nsexec"
	"github.com/hullrt/hull/internal/ocicli"
	"github.com/hullrt/hull/internal/runtime"
)

func main() {
	// The runtime re-executes this binary as a container's init or an
	// exec'd process; the nsexec constructor has already run by now.
	if len(os.Args) > 1 && os.Args[1] == "init" {
		runtime.Init()
		os.Exit(1)
	}
	os.Exit(ocicli.Main(os.Args[1:]))
}
