package reaper

import (
	"fmt"
	"strings"
)

// Usage is hull-init's one-line synopsis, printed for -h and bad flags.
const Usage = "usage: hull-init [-g] [-s] [--] command [argument...]"

// Options is what hull-init was asked to do.
type Options struct {
	// Args is the command to run and its arguments. Args[0] is looked up in
	// $PATH unless it contains a slash, as execvp does.
	Args []string
	// GroupSignals sends forwarded signals to the child's process group
	// rather than to the child alone (tini's -g), so a shell's own children
	// get them too.
	GroupSignals bool
	// Subreaper makes hull-init adopt orphans when it is not PID 1 (tini's
	// -s), through PR_SET_CHILD_SUBREAPER. PID 1 adopts them anyway.
	Subreaper bool
}

// errHelp is what ParseArgs returns for -h: not an error, but no command.
var errHelp = fmt.Errorf("help requested")

// ParseArgs reads hull-init's command line (without the program name).
// Flags come first and may be bundled ("-gs"); "--" or the first argument
// that is not a flag ends them, so the command's own flags pass through.
func ParseArgs(args []string) (Options, error) {
	var o Options
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			args = args[1:]
			break
		}
		if a == "--help" {
			return o, errHelp
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			break
		}
		for _, c := range a[1:] {
			switch c {
			case 'g':
				o.GroupSignals = true
			case 's':
				o.Subreaper = true
			case 'h':
				return o, errHelp
			default:
				return o, fmt.Errorf("unknown flag -%c", c)
			}
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return o, fmt.Errorf("no command given")
	}
	o.Args = args
	return o, nil
}
