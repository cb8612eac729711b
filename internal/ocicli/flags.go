package ocicli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// newFlags returns a flag set for one command. Go's flag package accepts
// both -name and --name, as runc's does.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseArgs parses flags wherever they stand among the positional
// arguments, like runc's CLI. After maxPos positional arguments (if
// maxPos > 0) the rest is returned untouched: exec's command and its own
// flags.
func parseArgs(fs *flag.FlagSet, args []string, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, fmt.Errorf("%s: %w", fs.Name(), err)
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops after "--": all that follows is positional.
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		if maxPos > 0 && len(pos) == maxPos {
			return append(pos, rest[1:]...), nil
		}
		args = rest[1:]
	}
}

// needID returns the single container id a command takes.
func needID(cmd string, pos []string) (string, error) {
	if len(pos) != 1 {
		return "", fmt.Errorf("%s: expects exactly one container id, got %d arguments", cmd, len(pos))
	}
	return pos[0], nil
}

// stringList is a repeatable string flag (--env A --env B).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// inheritedFiles turns --preserve-fds N into the files at fds 3..3+N-1.
func inheritedFiles(n int) ([]*os.File, error) {
	if n < 0 {
		return nil, fmt.Errorf("--preserve-fds must not be negative")
	}
	files := make([]*os.File, n)
	for i := range files {
		fd := 3 + i
		files[i] = os.NewFile(uintptr(fd), "preserved-fd-"+strconv.Itoa(fd))
	}
	return files, nil
}

// writePidFile writes pid atomically, as containerd expects to read it.
func writePidFile(path string, pid int) error {
	if path == "" {
		return nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o644); err != nil {
		return fmt.Errorf("writing pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing pid file: %w", err)
	}
	return nil
}
