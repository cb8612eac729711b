package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/errdefs"
)

// statsSource is where one controller's counters are read.
type statsSource struct {
	v1, v2 string
	read1  func(dir string, s *Stats) error
	read2  func(dir string, s *Stats) error
}

var statsSources = []statsSource{
	{"cpuacct", "cpu", readCPUAcctV1, readCPUV2},
	{"cpu", "", readThrottlingV1, nil},
	{"cpuset", "cpuset", readCPUSetV1, readCPUSetV2},
	{"memory", "memory", readMemoryV1, readMemoryV2},
	{"pids", "pids", readPids, readPids},
	{"blkio", "io", readBlkioV1, readIOV2},
	{"hugetlb", "hugetlb", readHugetlbV1, readHugetlbV2},
}

func (m *manager) Stats() (*Stats, error) {
	if !dirExists(m.dirs[0].path) {
		return nil, fmt.Errorf("cgroup %s: %w", m.dirs[0].path, errdefs.ErrNotFound)
	}
	s := &Stats{Hugetlb: make(map[string]Hugetlb)}
	for _, src := range statsSources {
		var err error
		if d, ok := m.v1[src.v1]; ok {
			err = src.read1(d.path, s)
		} else if m.v2 != nil && src.read2 != nil && m.v2.h.has(src.v2) {
			err = src.read2(m.v2.path, s)
		}
		// A counter the kernel lacks, or a v2 controller not delegated to
		// this cgroup, leaves its fields zero.
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return nil, fmt.Errorf("reading cgroup stats: %w", err)
		}
	}
	if m.v2 != nil { // pressure files exist on hybrid hosts too
		s.CPU.PSI = readPSI(m.v2.path, "cpu.pressure")
		s.Memory.PSI = readPSI(m.v2.path, "memory.pressure")
		s.Blkio.PSI = readPSI(m.v2.path, "io.pressure")
	}
	return s, nil
}

// readPSI parses a pressure file; nil when the kernel has PSI off.
func readPSI(dir, file string) *PSIStats {
	text, err := readFile(dir, file)
	if err != nil {
		return nil
	}
	var p PSIStats
	for line := range strings.SplitSeq(text, "\n") {
		kind, rest, _ := strings.Cut(line, " ")
		var d *PSIData
		switch kind {
		case "some":
			d = &p.Some
		case "full":
			d = &p.Full
		default:
			continue
		}
		for field := range strings.FieldsSeq(rest) {
			k, v, _ := strings.Cut(field, "=")
			switch k {
			case "avg10":
				d.Avg10, _ = strconv.ParseFloat(v, 64)
			case "avg60":
				d.Avg60, _ = strconv.ParseFloat(v, 64)
			case "avg300":
				d.Avg300, _ = strconv.ParseFloat(v, 64)
			case "total":
				d.Total, _ = strconv.ParseUint(v, 10, 64)
			}
		}
	}
	return &p
}

func readPids(dir string, s *Stats) error {
	cur, err := readUint(dir, "pids.current")
	if err != nil {
		return err
	}
	limit, err := readUint(dir, "pids.max")
	if err != nil {
		return err
	}
	if limit == ^uint64(0) {
		limit = 0
	}
	s.Pids = Pids{Current: cur, Limit: limit}
	return nil
}

// parseCPUList parses a cpuset list such as "0-3,8,10-11".
func parseCPUList(list string) ([]uint16, error) {
	var out []uint16
	for part := range strings.SplitSeq(strings.TrimSpace(list), ",") {
		if part == "" {
			continue
		}
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("parsing cpu list %q: %w", list, err)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return nil, fmt.Errorf("parsing cpu list %q: bad range %q", list, part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, uint16(i))
		}
	}
	return out, nil
}

// hugePageSizes lists the host's hugepage sizes in cgroup file spelling
// ("2MB", "1GB"), read once from /sys/kernel/mm/hugepages.
var hugePageSizes = sync.OnceValue(func() []string {
	entries, _ := os.ReadDir("/sys/kernel/mm/hugepages")
	var sizes []string
	for _, e := range entries {
		kb, ok := strings.CutPrefix(e.Name(), "hugepages-")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(strings.TrimSuffix(kb, "kB"), 10, 64)
		if err != nil {
			continue
		}
		sizes = append(sizes, pageSizeName(n))
	}
	return sizes
})

func pageSizeName(kb uint64) string {
	switch {
	case kb >= 1<<20 && kb%(1<<20) == 0:
		return strconv.FormatUint(kb>>20, 10) + "GB"
	case kb >= 1<<10 && kb%(1<<10) == 0:
		return strconv.FormatUint(kb>>10, 10) + "MB"
	}
	return strconv.FormatUint(kb, 10) + "KB"
}

// parseBlkio parses v1 blkio lines "8:0 Read 1234" ("Total 5678" lines
// carry no device and are skipped).
func parseBlkio(text string) []BlkioEntry {
	var out []BlkioEntry
	for line := range strings.SplitSeq(text, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			continue
		}
		majS, minS, ok := strings.Cut(f[0], ":")
		major, err1 := strconv.ParseUint(majS, 10, 64)
		minor, err2 := strconv.ParseUint(minS, 10, 64)
		v, err3 := strconv.ParseUint(f[2], 10, 64)
		if !ok || err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, BlkioEntry{Major: major, Minor: minor, Op: f[1], Value: v})
	}
	return out
}
