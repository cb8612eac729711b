package monitor

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// oomKilled reports whether the kernel's OOM killer killed a process of
// the container during its run, from the counter the memory cgroup keeps
// (memory.oom_control on v1, memory.events on v2). It reads the counter
// once, as the run ends and before the cgroup is removed, rather than
// watching for OOM events all along: that needs no descriptor to carry
// through the idle wait. The "oom" event is recorded then, just before
// "die", where Docker records it as it happens.
func oomKilled(cgroupPaths map[string]string) bool {
	if dir, ok := cgroupPaths["memory"]; ok {
		return counter(filepath.Join(dir, "memory.oom_control"), "oom_kill") > 0
	}
	if dir := cgroupPaths[""]; dir != "" {
		return counter(filepath.Join(dir, "memory.events"), "oom_kill") > 0
	}
	return false
}

// counter reads the value of key from a flat-keyed cgroup file.
func counter(path, key string) uint64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), " ")
		if ok && k == key {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	return 0
}
