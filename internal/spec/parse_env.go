package spec

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseEnv reads one -e value. "NAME=value" is taken as it is; "NAME" alone
// takes the value NAME has in hull's own environment, and stays "NAME" (no
// "=") when hull has none, which Generate reads as "unset NAME", as Docker
// does. Names are not checked beyond being non-empty: what a valid name is
// belongs to the program in the container.
func ParseEnv(s string) (string, error) {
	name, _, hasValue := strings.Cut(s, "=")
	if name == "" {
		return "", invalid("invalid environment variable: %s", s)
	}
	if hasValue {
		return s, nil
	}
	if v, ok := os.LookupEnv(name); ok {
		return name + "=" + v, nil
	}
	return s, nil
}

// ParseEnvFile reads an --env-file with Docker's rules: one NAME=value per
// line, taken literally (no quotes, no escapes, no variable expansion;
// trailing spaces belong to the value); leading white space, empty lines
// and lines starting with "#" are skipped; a UTF-8 byte-order mark on the
// first line is dropped; "NAME" alone takes hull's own value of NAME and is
// left out when hull has none. A name holding white space is an error.
func ParseEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, invalid("%v", err)
	}
	defer f.Close()
	vars, err := parseEnvLines(f, os.LookupEnv)
	if err != nil {
		return nil, invalid("invalid env file (%s): %v", path, err)
	}
	return vars, nil
}

func parseEnvLines(r io.Reader, lookup func(string) (string, bool)) ([]string, error) {
	var vars []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("invalid utf8 bytes at line %d: %v", n, b)
		}
		if n == 1 {
			b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
		}
		line := strings.TrimLeftFunc(string(b), unicode.IsSpace)
		if line == "" || line[0] == '#' {
			continue
		}
		name, _, hasValue := strings.Cut(line, "=")
		if name == "" {
			return nil, fmt.Errorf("no variable name on line '%s'", line)
		}
		if strings.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("variable '%s' contains whitespaces", name)
		}
		if hasValue {
			vars = append(vars, line)
		} else if v, ok := lookup(name); ok {
			vars = append(vars, name+"="+v)
		}
	}
	return vars, sc.Err()
}

// ParseLabels reads --label values ("key=value", or "key" for an empty
// value) into a map; a later key wins. Leading white space of a key is
// dropped and a key may hold no other white space.
func ParseLabels(values []string) (map[string]string, error) {
	labels := make(map[string]string, len(values))
	for _, s := range values {
		key, value, _ := strings.Cut(s, "=")
		key = strings.TrimLeft(key, " \t")
		if key == "" {
			return nil, invalid("invalid label '%s': empty name", s)
		}
		if strings.ContainsAny(key, " \t") {
			return nil, invalid("label '%s' contains whitespaces", key)
		}
		labels[key] = value
	}
	return labels, nil
}

// ipcSysctls are the sysctls outside fs.mqueue.* that belong to the IPC
// namespace.
var ipcSysctls = map[string]bool{
	"kernel.msgmax": true, "kernel.msgmnb": true, "kernel.msgmni": true, "kernel.sem": true,
	"kernel.shmall": true, "kernel.shmmax": true, "kernel.shmmni": true, "kernel.shm_rmid_forced": true,
}

// ParseSysctl reads one --sysctl "name=value". Only sysctls that a
// container's own namespaces hold are allowed, as Docker allows them: the
// IPC ones (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*) and the
// network ones (net.*). Anything else would change the host.
func ParseSysctl(s string) (name, value string, err error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || !namespacedSysctl(name) {
		return "", "", invalid("sysctl '%s' is not allowed", s)
	}
	return name, value, nil
}

func namespacedSysctl(name string) bool {
	return ipcSysctls[name] || strings.HasPrefix(name, "fs.mqueue.") || strings.HasPrefix(name, "net.")
}
