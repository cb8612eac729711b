// Command hull is the container engine's command line; everything it does
// lives in internal/cli.
package main

import (
	"os"

	"github.com/hullrt/hull/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
