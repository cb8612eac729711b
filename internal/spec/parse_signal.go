package spec

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// sigRTMin and sigRTMax are the kernel's real-time signal range (glibc
// reserves the first two, which is why its SIGRTMIN is 34).
const (
	sigRTMin = 34
	sigRTMax = 64
)

// signalAliases are the other names Docker knows for some signals.
var signalAliases = map[string]unix.Signal{
	"IOT": unix.SIGABRT, "CLD": unix.SIGCHLD, "POLL": unix.SIGIO, "UNUSED": unix.SIGSYS,
}

// ParseSignal reads a signal as --stop-signal, STOPSIGNAL and kill take it:
// a number ("15"), or a name with or without "SIG" in any case ("SIGTERM",
// "term"), including RTMIN, RTMIN+n, RTMAX-n and RTMAX.
//
// Unlike Docker, a number outside 1-64 is refused here rather than when
// the signal is sent.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > sigRTMax {
			return 0, invalid("Invalid signal: %s", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig := unix.SignalNum("SIG" + name); sig != 0 {
		return sig, nil
	}
	if sig, ok := signalAliases[name]; ok {
		return sig, nil
	}
	if sig, ok := realtimeSignal(name); ok {
		return sig, nil
	}
	return 0, invalid("Invalid signal: %s", s)
}

// realtimeSignal reads RTMIN, RTMIN+n (n up to 15), RTMAX-n (n up to 14)
// and RTMAX, the names Docker gives the real-time signals.
func realtimeSignal(name string) (unix.Signal, bool) {
	base, sign, offset := name, 0, ""
	if i := strings.IndexAny(name, "+-"); i >= 0 {
		base, offset = name[:i], name[i+1:]
		sign = 1
		if name[i] == '-' {
			sign = -1
		}
	}
	n := 0
	if sign != 0 {
		var err error
		if n, err = strconv.Atoi(offset); err != nil || n < 1 || offset[0] == '+' {
			return 0, false
		}
	}
	switch {
	case base == "RTMIN" && sign >= 0 && n <= 15:
		return unix.Signal(sigRTMin + n), true
	case base == "RTMAX" && sign <= 0 && n <= 14:
		return unix.Signal(sigRTMax - n), true
	}
	return 0, false
}
