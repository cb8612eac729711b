package proc

import "golang.org/x/sys/unix"

// Wait reaps the child pid, waiting for it to end, and returns its raw
// wait status; a signal arriving meanwhile does not cut the wait short.
func Wait(pid int) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err != unix.EINTR {
			return ws, err
		}
	}
}

// ExitStatus is the shell's (and Docker's) convention for how a process
// ended: its exit code, or 128+n when signal n killed it.
func ExitStatus(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
