package spec

import (
	"strconv"
	"strings"
)

// RestartPolicy is --restart: what the monitor does when the container's
// process exits.
type RestartPolicy struct {
	Name              string // "no", "always", "unless-stopped" or "on-failure"
	MaximumRetryCount int    // on-failure only; 0 means no limit
}

// ParseRestart reads --restart "no", "always", "unless-stopped" or
// "on-failure[:max-retries]". The empty string is "no".
func ParseRestart(s string) (RestartPolicy, error) {
	if s == "" {
		return RestartPolicy{Name: "no"}, nil
	}
	name, count, hasCount := strings.Cut(s, ":")
	if hasCount && name == "" {
		return RestartPolicy{}, invalid("invalid restart policy format: no policy provided before colon")
	}
	p := RestartPolicy{Name: name}
	if count != "" {
		n, err := strconv.Atoi(count)
		if err != nil {
			return RestartPolicy{}, invalid("invalid restart policy format: maximum retry count must be an integer")
		}
		p.MaximumRetryCount = n
	}
	switch name {
	case "no", "always", "unless-stopped":
		if p.MaximumRetryCount != 0 {
			return RestartPolicy{}, invalid("invalid restart policy: maximum retry count can only be used with 'on-failure'")
		}
	case "on-failure":
		if p.MaximumRetryCount < 0 {
			return RestartPolicy{}, invalid("invalid restart policy: maximum retry count cannot be negative")
		}
	default:
		return RestartPolicy{}, invalid("invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'", name)
	}
	return p, nil
}
