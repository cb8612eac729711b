package cli

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
)

// intValue is an integer flag (--stop-timeout 5, -n 3).
type intValue int

func (i *intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("invalid argument %q: not an integer", s)
	}
	*i = intValue(n)
	return nil
}
func (i *intValue) String() string { return strconv.Itoa(int(*i)) }

func (f *flagSet) Int(p *int, short, long, usage string) {
	f.Var((*intValue)(p), short, long, usage)
}

// isSet reports whether the flag named long was given on the command line,
// for flags whose absence means "leave the default" rather than their zero
// value (--init, --entrypoint "", --pids-limit 0).
func (f *flagSet) isSet(long string) bool {
	want := f.fs.Lookup(long)
	set := false
	f.fs.Visit(func(fl *flag.Flag) {
		// The short and long names share one Value.
		if want != nil && fl.Value == want.Value {
			set = true
		}
	})
	return set
}

// filterMap reads repeated --filter key=value flags into the map the
// engine's list calls take; one key may have several values.
func filterMap(filters []string) (map[string][]string, error) {
	if len(filters) == 0 {
		return nil, nil
	}
	m := map[string][]string{}
	for _, f := range filters {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("bad format of filter (expected name=value): %s", f)
		}
		k = strings.ToLower(strings.TrimSpace(k))
		m[k] = append(m[k], strings.TrimSpace(v))
	}
	return m, nil
}

// parseLeading parses the flags that come before the first positional
// argument and returns that argument and everything after it untouched:
// in `hull run IMAGE CMD ARGS` and `hull exec CTR CMD ARGS`, what follows
// the image or container belongs to the command, flags included.
func (f *flagSet) parseLeading(args []string) ([]string, error) {
	end, rest := f.flagsEnd(args)
	if _, err := f.parse(args[:end]); err != nil {
		return nil, err
	}
	return args[rest:], nil
}

// flagsEnd finds where the leading flags stop: end is the first argument
// past them, rest the first positional one (past a "--", when there is one).
func (f *flagSet) flagsEnd(args []string) (end, rest int) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return i, i + 1
		case a == "-" || !strings.HasPrefix(a, "-"):
			return i, i
		case strings.Contains(a, "="):
			continue
		}
		name := strings.TrimLeft(a, "-")
		if fl := f.fs.Lookup(name); fl != nil {
			if !isBoolFlag(fl) {
				i++ // the flag's value
			}
			continue
		}
		if !strings.HasPrefix(a, "--") {
			// Combined shorts: "-it"; "-ePATH" carries its value,
			// "-de" takes the next argument.
			if parts := f.splitShort(a); len(parts) > 0 && parts[len(parts)-1] == "-"+a[len(a)-1:] {
				if fl := f.fs.Lookup(a[len(a)-1:]); fl != nil && !isBoolFlag(fl) {
					i++
				}
			}
		}
	}
	return len(args), len(args)
}

func isBoolFlag(fl *flag.Flag) bool {
	bf, ok := fl.Value.(boolFlag)
	return ok && bf.IsBoolFlag()
}
