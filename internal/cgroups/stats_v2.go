package cgroups

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

func readCPUV2(dir string, s *Stats) error {
	kv, err := readKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	// v2 counts in microseconds; the stats are in nanoseconds.
	s.CPU.Usage.Total = kv["usage_usec"] * 1000
	s.CPU.Usage.User = kv["user_usec"] * 1000
	s.CPU.Usage.Kernel = kv["system_usec"] * 1000
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_usec"] * 1000}
	return nil
}

func readCPUSetV2(dir string, s *Stats) error {
	var err error
	if s.CPUSet.CPUs, err = readCPUListFile(dir, "cpuset.cpus.effective"); err != nil {
		return err
	}
	s.CPUSet.Mems, err = readCPUListFile(dir, "cpuset.mems.effective")
	return err
}

// readMemoryV2 fills the v1-shaped memory stats from v2 files: "file" pages
// are the cache, swap is reported as memory+swap like v1's memsw, and
// failcnt is the number of times usage hit memory.max (memory.events max).
func readMemoryV2(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw, s.Memory.Cache = raw, raw["file"]
	u := &s.Memory.Usage
	if u.Usage, err = readUint(dir, "memory.current"); err != nil {
		return err
	}
	if u.Limit, err = readUint(dir, "memory.max"); err != nil {
		return err
	}
	u.Max, _ = readUint(dir, "memory.peak") // Linux 5.19+
	if events, err := readKeyValues(dir, "memory.events"); err == nil {
		u.Failcnt = events["max"]
	}
	swap, err := readUint(dir, "memory.swap.current")
	if errors.Is(err, unix.ENOENT) {
		return nil // no swap accounting
	} else if err != nil {
		return err
	}
	swapMax, err := readUint(dir, "memory.swap.max")
	if err != nil {
		return err
	}
	s.Memory.Swap = MemoryEntry{Usage: swap + u.Usage, Limit: addSaturating(swapMax, u.Limit)}
	if events, err := readKeyValues(dir, "memory.swap.events"); err == nil {
		s.Memory.Swap.Failcnt = events["max"]
	}
	return nil
}

func addSaturating(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}

// readIOV2 maps io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 ...") onto
// the v1 entries, as Read and Write operations.
func readIOV2(dir string, s *Stats) error {
	text, err := readFile(dir, "io.stat")
	if err != nil {
		return err
	}
	for line := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		majS, minS, ok := strings.Cut(f[0], ":")
		major, err1 := strconv.ParseUint(majS, 10, 64)
		minor, err2 := strconv.ParseUint(minS, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			continue
		}
		for _, kv := range f[1:] {
			k, v, _ := strings.Cut(kv, "=")
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				continue
			}
			e := BlkioEntry{Major: major, Minor: minor, Value: n}
			switch k {
			case "rbytes", "wbytes":
				e.Op = opName(k)
				s.Blkio.IoServiceBytesRecursive = append(s.Blkio.IoServiceBytesRecursive, e)
			case "rios", "wios":
				e.Op = opName(k)
				s.Blkio.IoServicedRecursive = append(s.Blkio.IoServicedRecursive, e)
			}
		}
	}
	return nil
}

func opName(key string) string {
	if key[0] == 'r' {
		return "Read"
	}
	return "Write"
}

func readHugetlbV2(dir string, s *Stats) error {
	for _, size := range hugePageSizes() {
		usage, err := readUint(dir, "hugetlb."+size+".current")
		if err != nil {
			return err
		}
		h := Hugetlb{Usage: usage}
		if events, err := readKeyValues(dir, "hugetlb."+size+".events"); err == nil {
			h.Failcnt = events["max"]
		}
		s.Hugetlb[size] = h
	}
	return nil
}
