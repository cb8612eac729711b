package runtime

import (
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// setupConsole gives the process a terminal: it opens a pty in the
// container's devpts, sends the master to the caller over the console
// socket, and makes the slave the process's stdio and controlling
// terminal. With bindConsole (a container's init) the slave is also
// bind-mounted on /dev/console.
func setupConsole(sockFD int, bindConsole bool) error {
	if sockFD <= 0 {
		return fmt.Errorf("a terminal was asked for without a console socket: %w", errdefs.ErrInvalidArgument)
	}
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("opening /dev/ptmx: %w", err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlocking pty: %w", err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		return fmt.Errorf("reading pty number: %w", err)
	}
	slavePath := "/dev/pts/" + strconv.Itoa(n)
	if bindConsole {
		if err := bindDevConsole(slavePath); err != nil {
			return err
		}
	}
	rights := unix.UnixRights(int(master.Fd()))
	if err := unix.Sendmsg(sockFD, []byte(slavePath), rights, nil, 0); err != nil {
		return fmt.Errorf("sending pty master over the console socket: %w", err)
	}
	unix.Close(sockFD)
	slave, err := unix.Open(slavePath, unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return fmt.Errorf("opening %s: %w", slavePath, err)
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			return fmt.Errorf("making the pty stdio: %w", err)
		}
	}
	if slave > 2 {
		unix.Close(slave)
	}
	if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
		return fmt.Errorf("setting controlling terminal: %w", err)
	}
	return nil
}

func bindDevConsole(slave string) error {
	// Not through a symlink an image put there.
	f, err := os.OpenFile("/dev/console", os.O_CREATE|os.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("creating /dev/console: %w", err)
	}
	f.Close()
	if err := unix.Mount(slave, "/dev/console", "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("mounting %s on /dev/console: %w", slave, err)
	}
	return nil
}

// ReceiveConsole reads the pty master that a container process sent over a
// console socket (the receiving end of the socket given as
// CreateOpts.ConsoleSocket or ExecOpts.ConsoleSocket).
func ReceiveConsole(sock *os.File) (*os.File, error) {
	return receiveFile(sock, "console")
}

// receiveFile reads one message carrying one descriptor from sock; the
// message's bytes name the file.
func receiveFile(sock *os.File, what string) (*os.File, error) {
	buf := make([]byte, 256)
	oob := make([]byte, unix.CmsgSpace(4))
	n, oobn, _, _, err := unix.Recvmsg(int(sock.Fd()), buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("receiving %s: %w", what, err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return nil, fmt.Errorf("receiving %s: no descriptor in message", what)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return nil, fmt.Errorf("receiving %s: no descriptor in message", what)
	}
	return os.NewFile(uintptr(fds[0]), string(buf[:n])), nil
}
