package rootfs

import (
	"os"

	"golang.org/x/sys/unix"
)

// SetHostname sets the host name and the NIS domain name of the process's
// UTS namespace (spec.hostname, spec.domainname); an empty one is left as
// it is. Call it in the container's new UTS namespace: elsewhere it would
// rename the host.
func SetHostname(hostname, domainname string) error {
	if hostname != "" {
		if err := unix.Sethostname([]byte(hostname)); err != nil {
			return withKind(os.NewSyscallError("sethostname", err))
		}
	}
	if domainname != "" {
		if err := unix.Setdomainname([]byte(domainname)); err != nil {
			return withKind(os.NewSyscallError("setdomainname", err))
		}
	}
	return nil
}
