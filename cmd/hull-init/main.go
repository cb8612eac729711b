// Command hull-init is the init hull runs as a container's PID 1: it starts
// the container's command, forwards signals to it, reaps zombies and exits
// with the command's status. Package reaper documents and tests it.
//
// It is written in C (init.c) and runs from a constructor, before Go's
// runtime would start, and exits there: every `hull run` waits for it, and
// Go's runtime start cost it 1.5 to 2 ms more than tini, against about
// 0.3 ms now. It is a Go package only so that `go build` builds it. Build
// it static, it runs inside images that may have no libc:
//
//	go build -ldflags '-s -w -linkmode external -extldflags -static' ./cmd/hull-init
package main

// #cgo CFLAGS: -Wall -O2
import "C"

// main is never reached: the constructor in init.c exits first.
func main() {}
