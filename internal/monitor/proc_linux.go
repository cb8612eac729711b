package monitor

import (
	"bytes"
	"os"
	"strconv"
)

// procStat returns the state letter and start time of pid from
// /proc/PID/stat, or ok=false when there is no such process.
func procStat(pid int) (state byte, start uint64, ok bool) {
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
	if len(fields) < 20 {
		return 0, 0, false
	}
	// fields[0] is field 3 (state); the start time is field 22.
	start, err = strconv.ParseUint(string(fields[19]), 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return fields[0][0], start, true
}

// processAlive reports whether pid runs and is the process that started
// at start (a pid is reused once its process is reaped).
func processAlive(pid int, start uint64) bool {
	if pid <= 0 {
		return false
	}
	st, s, ok := procStat(pid)
	return ok && s == start && st != 'Z' && st != 'X'
}
