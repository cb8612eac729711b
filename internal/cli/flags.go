package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelp is returned by parse after --help printed the usage: the
// command succeeded without running.
var errHelp = errors.New("help requested")

// flagSet is the standard library's flag.FlagSet with what Docker's CLI
// (cobra/pflag) users expect on top: a short and a long name for one flag
// (-q/--quiet), combined short booleans (-qa), flags anywhere among the
// arguments, and --help printing the command's usage to stdout.
type flagSet struct {
	fs      *flag.FlagSet
	usage   string // "hull images [OPTIONS] [REPOSITORY[:TAG]]" and a line of description
	lines   []string
	shorts  map[byte]bool // one-letter flags: true for booleans
	printTo io.Writer
}

func newFlagSet(name, usage string, out io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &flagSet{fs: fs, usage: usage, shorts: map[byte]bool{}, printTo: out}
}

// boolFlag is what flag needs to accept "-q" without a value.
type boolFlag interface{ IsBoolFlag() bool }

// Var registers v under short ("" for none) and long.
func (f *flagSet) Var(v flag.Value, short, long, usage string) {
	f.fs.Var(v, long, usage)
	names := "    --" + long
	if short != "" {
		f.fs.Var(v, short, usage)
		bf, ok := v.(boolFlag)
		f.shorts[short[0]] = ok && bf.IsBoolFlag()
		names = "-" + short + ", --" + long
	}
	f.lines = append(f.lines, fmt.Sprintf("  %-24s %s", names, usage))
}

func (f *flagSet) Bool(p *bool, short, long, usage string) {
	f.Var((*boolValue)(p), short, long, usage)
}

func (f *flagSet) String(p *string, short, long, usage string) {
	f.Var((*stringValue)(p), short, long, usage)
}

func (f *flagSet) Strings(p *[]string, short, long, usage string) {
	f.Var((*stringList)(p), short, long, usage)
}

// parse returns the positional arguments. Flags may stand anywhere
// before "--", as with Docker's CLI.
func (f *flagSet) parse(args []string) ([]string, error) {
	args = f.expandShorts(args)
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.printUsage()
				return nil, errHelp
			}
			return nil, fmt.Errorf("%s: %w", f.fs.Name(), err)
		}
		rest := f.fs.Args()
		consumed := len(args) - len(rest)
		if len(rest) == 0 {
			return pos, nil
		}
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// expandShorts turns "-qa" into "-q -a" and "-ofile" into "-o file",
// which Go's flag package would read as one flag named "qa" or "ofile".
func (f *flagSet) expandShorts(args []string) []string {
	var out []string
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		// "-e=FOO" is Go's own syntax for a value; "-eFOO=bar" is a short
		// flag with its value attached, as pflag reads it.
		if len(a) < 3 || a[0] != '-' || a[1] == '-' || a[2] == '=' || f.fs.Lookup(flagName(a)) != nil {
			out = append(out, a)
			continue
		}
		out = append(out, f.splitShort(a)...)
	}
	return out
}

// flagName is the name in "-name" or "-name=value".
func flagName(a string) string {
	name, _, _ := strings.Cut(a[1:], "=")
	return name
}

func (f *flagSet) splitShort(a string) []string {
	var out []string
	for j := 1; j < len(a); j++ {
		isBool, known := f.shorts[a[j]]
		if !known {
			return []string{a} // let flag report it as unknown
		}
		if !isBool {
			out = append(out, "-"+a[j:j+1])
			if j+1 < len(a) {
				out = append(out, a[j+1:]) // "-ofile"; "-qo file" takes the next argument
			}
			return out
		}
		out = append(out, "-"+a[j:j+1])
	}
	return out
}

func (f *flagSet) printUsage() {
	fmt.Fprintf(f.printTo, "\nUsage:  %s\n", f.usage)
	if len(f.lines) > 0 {
		fmt.Fprintln(f.printTo, "\nOptions:")
		for _, l := range f.lines {
			fmt.Fprintln(f.printTo, l)
		}
	}
}

type boolValue bool

func (b *boolValue) Set(s string) error {
	switch s {
	case "true", "1", "":
		*b = true
	case "false", "0":
		*b = false
	default:
		return fmt.Errorf("invalid boolean %q", s)
	}
	return nil
}
func (b *boolValue) String() string   { return fmt.Sprint(bool(*b)) }
func (b *boolValue) IsBoolFlag() bool { return true }

type stringValue string

func (s *stringValue) Set(v string) error { *s = stringValue(v); return nil }
func (s *stringValue) String() string     { return string(*s) }

// stringList is a repeatable flag (--change A --change B).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
