package reaper

import "golang.org/x/sys/unix"

// reapUntil waits for children, the command and adopted orphans alike,
// until the command itself has exited, then collects whatever zombies are
// left and returns the command's exit status. Orphans still running are
// not waited for: when PID 1 exits the kernel kills the rest of its pid
// namespace, as tini's default behaviour has it.
func reapUntil(child int) int {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			// ECHILD: our child is gone without our having seen it, which
			// only someone else's wait could cause. Nothing left to wait for.
			return 1
		}
		if pid == child {
			reapExited()
			return exitStatus(ws)
		}
	}
}

// reapExited collects every child that has already exited, without
// blocking for those still running.
func reapExited() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
	}
}

// exitStatus is the status a shell reports for a child: its exit code, or
// 128+n when signal n killed it.
func exitStatus(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
