package cli

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hullrt/hull/internal/images"
)

// parseChanges reads --change values, each one Dockerfile instruction, into
// the image defaults they set. Docker accepts the same instructions for
// import and commit: CMD, ENTRYPOINT, ENV, WORKDIR, USER, LABEL (EXPOSE,
// VOLUME, ONBUILD and STOPSIGNAL are not kept by hull's images yet, and
// are refused rather than dropped silently).
func parseChanges(changes []string) (images.Changes, error) {
	var c images.Changes
	for _, line := range changes {
		if err := applyChange(&c, line); err != nil {
			return c, fmt.Errorf("--change %q: %w", line, err)
		}
	}
	return c, nil
}

func applyChange(c *images.Changes, line string) error {
	instr, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return fmt.Errorf("%s requires an argument", strings.ToUpper(instr))
	}
	var err error
	switch strings.ToUpper(instr) {
	case "CMD":
		c.Cmd, err = commandForm(rest)
	case "ENTRYPOINT":
		c.Entrypoint, err = commandForm(rest)
	case "WORKDIR":
		c.WorkingDir = rest
	case "USER":
		c.User = rest
	case "ENV":
		var kv map[string]string
		var order []string
		if kv, order, err = keyValues(rest, true); err == nil {
			for _, k := range order {
				c.Env = append(c.Env, k+"="+kv[k])
			}
		}
	case "LABEL":
		var kv map[string]string
		if kv, _, err = keyValues(rest, false); err == nil {
			if c.Labels == nil {
				c.Labels = map[string]string{}
			}
			for k, v := range kv {
				c.Labels[k] = v
			}
		}
	default:
		return fmt.Errorf("%s is not a supported change", strings.ToUpper(instr))
	}
	return err
}

// commandForm reads the exec form ["a","b"] or the shell form, which runs
// under /bin/sh -c as in a Dockerfile.
func commandForm(s string) ([]string, error) {
	if strings.HasPrefix(s, "[") {
		var argv []string
		if err := json.Unmarshal([]byte(s), &argv); err == nil {
			return argv, nil
		}
	}
	return []string{"/bin/sh", "-c", s}, nil
}

// keyValues reads "K=V K2="v 2"", or the legacy "K value with spaces"
// that ENV (not LABEL) allows when the first word has no "=".
func keyValues(s string, legacy bool) (map[string]string, []string, error) {
	words, err := shellWords(s)
	if err != nil {
		return nil, nil, err
	}
	kv := map[string]string{}
	var order []string
	if legacy && len(words) > 0 && !strings.Contains(words[0], "=") {
		k, v, _ := strings.Cut(s, " ")
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, nil, fmt.Errorf("ENV %s needs a value", k)
		}
		return map[string]string{k: v}, []string{k}, nil
	}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, nil, fmt.Errorf("%q is not KEY=VALUE", w)
		}
		if _, seen := kv[k]; !seen {
			order = append(order, k)
		}
		kv[k] = v
	}
	return kv, order, nil
}

// shellWords splits s on blanks, honouring quotes and backslashes as a
// Dockerfile does in ENV and LABEL.
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	escaped := false
	for _, r := range s {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\' && quote != '\'':
			escaped, inWord = true, true
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
