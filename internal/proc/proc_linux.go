// Package proc is what hull needs to know about its processes: from /proc,
// whether a pid is still the process hull started (a pid alone is not
// enough, since the kernel reuses it once its process is reaped; the pid
// together with the process's start time is), and how a child ended.
package proc

import (
	"bytes"
	"os"
	"strconv"
)

// Stat returns the state letter and start time (clock ticks since boot,
// field 22) of pid from /proc/PID/stat, or ok=false when there is no such
// process.
func Stat(pid int) (state byte, start uint64, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// The command name may hold spaces and parentheses: the fields start
	// after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0, 0, false
	}
	fields := bytes.Fields(data[i+2:])
	// fields[0] is field 3 (state); the start time is field 22.
	if len(fields) < 20 {
		return 0, 0, false
	}
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], start, true
}

// Alive reports whether pid runs, is not a zombie, and is the process that
// started at start.
func Alive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, s, ok := Stat(pid)
	return ok && s == start && st != 'Z' && st != 'X'
}
