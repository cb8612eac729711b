package spec

import (
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Ulimit is one --ulimit: a resource limit by Docker's name, -1 meaning
// unlimited.
type Ulimit struct {
	Name       string // "nofile", "nproc", ... (see ParseUlimit)
	Soft, Hard int64
}

// ulimitTypes maps Docker's ulimit names to the OCI rlimit types. "as" is
// missing on purpose, as it is from Docker's list.
var ulimitTypes = map[string]string{
	"core": "RLIMIT_CORE", "cpu": "RLIMIT_CPU", "data": "RLIMIT_DATA", "fsize": "RLIMIT_FSIZE",
	"locks": "RLIMIT_LOCKS", "memlock": "RLIMIT_MEMLOCK", "msgqueue": "RLIMIT_MSGQUEUE",
	"nice": "RLIMIT_NICE", "nofile": "RLIMIT_NOFILE", "nproc": "RLIMIT_NPROC", "rss": "RLIMIT_RSS",
	"rtprio": "RLIMIT_RTPRIO", "rttime": "RLIMIT_RTTIME", "sigpending": "RLIMIT_SIGPENDING",
	"stack": "RLIMIT_STACK",
}

// ParseUlimit reads one --ulimit "name=soft[:hard]"; without a hard limit
// the hard limit is the soft one. -1 stands for unlimited, and the soft
// limit may not exceed the hard one.
func ParseUlimit(s string) (Ulimit, error) {
	name, limits, ok := strings.Cut(s, "=")
	if !ok {
		return Ulimit{}, invalid("invalid ulimit argument: %s", s)
	}
	if _, known := ulimitTypes[name]; !known {
		return Ulimit{}, invalid("invalid ulimit type: %s", name)
	}
	parts := strings.Split(limits, ":")
	if len(parts) > 2 {
		return Ulimit{}, invalid("too many limit value arguments - %s, can only have up to two, `soft[:hard]`", limits)
	}
	soft, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return Ulimit{}, invalid("%v", err)
	}
	hard := soft
	if len(parts) == 2 {
		if hard, err = strconv.ParseInt(parts[1], 10, 64); err != nil {
			return Ulimit{}, invalid("%v", err)
		}
	}
	if hard != -1 {
		if soft == -1 {
			return Ulimit{}, invalid("ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: %d", hard)
		}
		if soft > hard {
			return Ulimit{}, invalid("ulimit soft limit must be less than or equal to hard limit: %d > %d", soft, hard)
		}
	}
	return Ulimit{Name: name, Soft: soft, Hard: hard}, nil
}

// Rlimit returns u as config.json's process.rlimits holds it; -1 becomes
// RLIM_INFINITY.
func (u Ulimit) Rlimit() (specs.POSIXRlimit, error) {
	typ, ok := ulimitTypes[u.Name]
	if !ok {
		return specs.POSIXRlimit{}, invalid("invalid ulimit type: %s", u.Name)
	}
	return specs.POSIXRlimit{Type: typ, Soft: uint64(u.Soft), Hard: uint64(u.Hard)}, nil
}
