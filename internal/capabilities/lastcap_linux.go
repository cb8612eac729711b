package capabilities

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// LastCap returns the highest capability the running kernel knows, the value
// of /proc/sys/kernel/cap_last_cap. It is worked out once per process.
func LastCap() (Cap, error) { return lastCap() }

var lastCap = sync.OnceValues(probeLastCap)

// probeLastCap asks the kernel with PR_CAPBSET_READ, which fails with EINVAL
// for a number beyond its last capability: a binary search takes six
// prctl(2) calls and, unlike reading /proc, works before /proc is mounted in
// the container. The file is the fallback if prctl is refused.
func probeLastCap() (Cap, error) {
	if !capValid(0) {
		return readLastCap()
	}
	lo, hi := 0, 63 // capValid(lo) holds; the answer is in [lo, hi]
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if capValid(mid) {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return Cap(lo), nil
}

func capValid(c int) bool {
	_, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0)
	return err == nil
}

func readLastCap() (Cap, error) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 0, fmt.Errorf("finding the kernel's last capability: %w: %w", err, errdefs.ErrUnavailable)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 || n > 63 {
		return 0, fmt.Errorf("parsing /proc/sys/kernel/cap_last_cap %q: %w", b, errdefs.ErrUnavailable)
	}
	return Cap(n), nil
}
