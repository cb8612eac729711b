package netif

import (
	"net"
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// In a new network namespace lo starts down; Up brings it up.
func TestUpLoopbackInNewNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		// This thread moves to a namespace of its own and is thrown away
		// with its goroutine (never unlocked).
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			t.Error(err)
			return
		}
		if up(t) {
			t.Error("lo is up in a new network namespace before Up")
		}
		if err := Up("lo"); err != nil {
			t.Error(err)
			return
		}
		if !up(t) {
			t.Error("lo is down after Up")
		}
		if err := Up("nosuchif0"); err == nil {
			t.Error("Up of a missing interface succeeded")
		}
	}()
	<-done
}

func up(t *testing.T) bool {
	ifc, err := net.InterfaceByName("lo")
	if err != nil {
		t.Error(err)
		return false
	}
	return ifc.Flags&net.FlagUp != 0
}
