package reaper

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// defaultPath is searched when the environment has no PATH, as runc and
// Docker do.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// errNotInPath is what execvp's ENOENT means for a bare command name;
// Docker says it in these words.
var errNotInPath = errors.New("executable file not found in $PATH")

// ExecError says why the command could not be executed.
type ExecError struct {
	Name string // the command as given
	Err  error
}

func (e *ExecError) Error() string { return fmt.Sprintf("exec %q: %v", e.Name, e.Err) }
func (e *ExecError) Unwrap() error { return e.Err }

// exitStatusFor maps a failure to start the command to a shell's status:
// 127 when there is no such command, 126 when it exists but cannot be
// executed (permission, format, a directory), 1 for anything else.
func exitStatusFor(err error) int {
	var ee *ExecError
	switch {
	case !errors.As(err, &ee):
		return 1
	case errors.Is(err, errNotInPath), errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
		return 127
	default:
		return 126
	}
}

// start forks and executes args as hull-init's child, in a process group
// of its own. When stdin is our controlling terminal the child's group is
// also made the terminal's foreground group, so the keys that send SIGINT
// and SIGTSTP reach the program; Go's ForkExec does that with signals
// blocked, so the child is not stopped by SIGTTOU on the way. Descriptors
// other than 0-2 that we inherited without close-on-exec pass through to
// the command, as they would from a shell.
func start(args []string) (int, error) {
	path, err := lookPath(args[0])
	if err != nil {
		return 0, &ExecError{Name: args[0], Err: err}
	}
	sys := &syscall.SysProcAttr{Setpgid: true}
	if isControllingTerminal(0) {
		sys.Foreground, sys.Ctty = true, 0
	}
	attr := &syscall.ProcAttr{Env: os.Environ(), Files: stdio(), Sys: sys}
	pid, err := syscall.ForkExec(path, args, attr)
	if err != nil {
		return 0, &ExecError{Name: args[0], Err: err}
	}
	return pid, nil
}

// stdio passes descriptors 0, 1 and 2 on as they are; one that is closed
// stays closed in the child (ForkExec closes a slot marked -1).
func stdio() []uintptr {
	fds := make([]uintptr, 3)
	for i := range fds {
		fds[i] = uintptr(i)
		if _, err := unix.FcntlInt(uintptr(i), unix.F_GETFD, 0); err != nil {
			fds[i] = ^uintptr(0)
		}
	}
	return fds
}

// isControllingTerminal reports whether fd is the calling process's
// controlling terminal: only then does TIOCGPGRP succeed (ENOTTY
// otherwise, even for a terminal that is someone else's).
func isControllingTerminal(fd int) bool {
	_, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err == nil
}

// lookPath finds name as execvp would: a name with a slash is used as
// it is; otherwise the first executable regular file of that name in $PATH
// wins. When the only candidates are not executable it returns the first
// of them, so that execve reports the permission error against it.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	if name == "" {
		return "", unix.ENOENT
	}
	dirs, ok := os.LookupEnv("PATH")
	if !ok {
		dirs = defaultPath
	}
	denied := ""
	for _, dir := range strings.Split(dirs, ":") {
		if dir == "" {
			dir = "." // an empty entry is the working directory, as in a shell
		}
		p := dir + "/" + name
		var st unix.Stat_t
		if unix.Stat(p, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
			continue
		}
		if unix.Access(p, unix.X_OK) == nil {
			return p, nil
		}
		if denied == "" {
			denied = p
		}
	}
	if denied != "" {
		return denied, nil
	}
	return "", errNotInPath
}
