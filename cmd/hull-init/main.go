// Command hull-init is the init hull runs as a container's PID 1: it starts
// the container's command, forwards signals to it, reaps zombies and exits
// with the command's status. See internal/reaper.
//
// Build it static, it runs inside images that may have no libc:
//
//	CGO_ENABLED=0 go build -ldflags '-s -w' ./cmd/hull-init
package main

import (
	"os"

	"github.com/hullrt/hull/internal/reaper"
)

func main() {
	os.Exit(reaper.Main(os.Args[1:], os.Stderr))
}
