package cgroups

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// userHZ is the unit of cpuacct.stat: USER_HZ, 100 on every Linux ABI.
const userHZ = 100

func readCPUAcctV1(dir string, s *Stats) error {
	total, err := readUint(dir, "cpuacct.usage")
	if err != nil {
		return err
	}
	s.CPU.Usage.Total = total
	for _, f := range []struct {
		file string
		dst  *[]uint64
	}{
		{"cpuacct.usage_percpu", &s.CPU.Usage.Percpu},
		{"cpuacct.usage_percpu_sys", &s.CPU.Usage.PercpuKernel},
		{"cpuacct.usage_percpu_user", &s.CPU.Usage.PercpuUser},
	} {
		text, err := readFile(dir, f.file)
		if err != nil {
			continue // older kernels lack the per-mode files
		}
		for v := range strings.FieldsSeq(text) {
			n, _ := strconv.ParseUint(v, 10, 64)
			*f.dst = append(*f.dst, n)
		}
	}
	// cpuacct.usage_user/usage_sys are in nanoseconds; older kernels only
	// have cpuacct.stat, in USER_HZ ticks.
	user, errU := readUint(dir, "cpuacct.usage_user")
	sys, errS := readUint(dir, "cpuacct.usage_sys")
	if errU == nil && errS == nil {
		s.CPU.Usage.User, s.CPU.Usage.Kernel = user, sys
		return nil
	}
	kv, err := readKeyValues(dir, "cpuacct.stat")
	if err != nil {
		return err
	}
	s.CPU.Usage.User = kv["user"] * (1e9 / userHZ)
	s.CPU.Usage.Kernel = kv["system"] * (1e9 / userHZ)
	return nil
}

func readThrottlingV1(dir string, s *Stats) error {
	kv, err := readKeyValues(dir, "cpu.stat")
	if err != nil {
		return err
	}
	s.CPU.Throttling = Throttling{Periods: kv["nr_periods"], ThrottledPeriods: kv["nr_throttled"], ThrottledTime: kv["throttled_time"]}
	return nil
}

func readCPUSetV1(dir string, s *Stats) error {
	var err error
	if s.CPUSet.CPUs, err = readCPUListFile(dir, "cpuset.cpus"); err != nil {
		return err
	}
	if s.CPUSet.Mems, err = readCPUListFile(dir, "cpuset.mems"); err != nil {
		return err
	}
	for _, f := range []struct {
		file string
		dst  *uint64
	}{
		{"cpuset.cpu_exclusive", &s.CPUSet.CPUExclusive},
		{"cpuset.mem_exclusive", &s.CPUSet.MemExclusive},
		{"cpuset.mem_hardwall", &s.CPUSet.MemHardwall},
		{"cpuset.memory_migrate", &s.CPUSet.MemoryMigrate},
		{"cpuset.memory_pressure", &s.CPUSet.MemoryPressure},
		{"cpuset.memory_spread_page", &s.CPUSet.MemorySpreadPage},
		{"cpuset.memory_spread_slab", &s.CPUSet.MemorySpreadSlab},
		{"cpuset.sched_load_balance", &s.CPUSet.SchedLoadBalance},
	} {
		if *f.dst, err = readUint(dir, f.file); err != nil {
			return err
		}
	}
	level, err := readTrimmed(dir, "cpuset.sched_relax_domain_level")
	if err != nil {
		return err
	}
	s.CPUSet.SchedRelaxDomainLevel, _ = strconv.ParseInt(level, 10, 64)
	return nil
}

func readCPUListFile(dir, file string) ([]uint16, error) {
	text, err := readFile(dir, file)
	if err != nil {
		return nil, err
	}
	return parseCPUList(text)
}

func readMemoryV1(dir string, s *Stats) error {
	raw, err := readKeyValues(dir, "memory.stat")
	if err != nil {
		return err
	}
	s.Memory.Raw, s.Memory.Cache = raw, raw["cache"]
	for _, e := range []struct {
		prefix string
		dst    *MemoryEntry
	}{
		{"memory.", &s.Memory.Usage},
		{"memory.memsw.", &s.Memory.Swap},
		{"memory.kmem.", &s.Memory.Kernel},
		{"memory.kmem.tcp.", &s.Memory.KernelTCP},
	} {
		if err := readMemoryEntryV1(dir, e.prefix, e.dst); err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
	}
	return nil
}

func readMemoryEntryV1(dir, prefix string, e *MemoryEntry) error {
	for _, f := range []struct {
		file string
		dst  *uint64
	}{
		{"usage_in_bytes", &e.Usage},
		{"max_usage_in_bytes", &e.Max},
		{"failcnt", &e.Failcnt},
		{"limit_in_bytes", &e.Limit},
	} {
		v, err := readUint(dir, prefix+f.file)
		if err != nil {
			return err
		}
		*f.dst = v
	}
	return nil
}

// readBlkioV1 reads the recursive counters of whichever policy counts: the
// CFQ files on old kernels, else BFQ's when the device uses BFQ, else the
// throttling layer's, which sees every bio.
func readBlkioV1(dir string, s *Stats) error {
	for _, prefix := range []string{"blkio.", "blkio.bfq.", "blkio.throttle."} {
		bytes, err := readFile(dir, prefix+"io_service_bytes_recursive")
		if err != nil {
			continue
		}
		entries := parseBlkio(bytes)
		if len(entries) == 0 && prefix != "blkio.throttle." {
			continue
		}
		s.Blkio.IoServiceBytesRecursive = entries
		if ios, err := readFile(dir, prefix+"io_serviced_recursive"); err == nil {
			s.Blkio.IoServicedRecursive = parseBlkio(ios)
		}
		if prefix != "blkio." {
			return nil
		}
		for _, f := range []struct {
			file string
			dst  *[]BlkioEntry
		}{
			{"io_queued_recursive", &s.Blkio.IoQueuedRecursive},
			{"io_service_time_recursive", &s.Blkio.IoServiceTimeRecursive},
			{"io_wait_time_recursive", &s.Blkio.IoWaitTimeRecursive},
			{"io_merged_recursive", &s.Blkio.IoMergedRecursive},
			{"time_recursive", &s.Blkio.IoTimeRecursive},
			{"sectors_recursive", &s.Blkio.SectorsRecursive},
		} {
			if text, err := readFile(dir, prefix+f.file); err == nil {
				*f.dst = parseBlkio(text)
			}
		}
		return nil
	}
	return nil
}

func readHugetlbV1(dir string, s *Stats) error {
	for _, size := range hugePageSizes() {
		var h Hugetlb
		for _, f := range []struct {
			file string
			dst  *uint64
		}{
			{"usage_in_bytes", &h.Usage},
			{"max_usage_in_bytes", &h.Max},
			{"failcnt", &h.Failcnt},
		} {
			v, err := readUint(dir, "hugetlb."+size+"."+f.file)
			if err != nil {
				return err
			}
			*f.dst = v
		}
		s.Hugetlb[size] = h
	}
	return nil
}
