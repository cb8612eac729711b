package spec

import (
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// host is what Generate needs to know about the machine, probed once.
// Like Docker, Generate drops a limit the kernel cannot enforce, with a
// warning, rather than failing the container.
type host struct {
	kernel      [2]int // major, minor; 0.0 if unknown
	unified     bool   // cgroup v2 only
	swapLimit   bool   // memory+swap can be limited
	blkioWeight bool   // the blkio weight can be set
}

var probeHost = sync.OnceValue(func() host {
	h := host{kernel: hostKernel()}
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		// v2 has both wherever the memory and io controllers are on;
		// the runtime says so clearly when one is not.
		h.unified, h.swapLimit, h.blkioWeight = true, true, true
		return h
	}
	h.swapLimit = fileExists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
	// blkio.weight needs CFQ, blkio.bfq.weight BFQ; many hosts have neither.
	h.blkioWeight = fileExists("/sys/fs/cgroup/blkio/blkio.weight") ||
		fileExists("/sys/fs/cgroup/blkio/blkio.bfq.weight")
	return h
})

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// hostKernel returns the running kernel's major and minor version.
func hostKernel() [2]int {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return [2]int{}
	}
	var v [2]int
	if _, err := fmt.Sscanf(unix.ByteSliceToString(u.Release[:]), "%d.%d", &v[0], &v[1]); err != nil {
		return [2]int{}
	}
	return v
}
