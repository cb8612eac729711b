package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/engine"
)

// table prints rows the way docker's --format does: a Go template run on
// each row; "table " in front adds a header line and aligns the columns.
// headers maps each field name a template may use to its column title,
// and the header line is the same template run on that map.
type table struct {
	tmpl    *template.Template
	isTable bool
	w       io.Writer
	tw      *tabwriter.Writer
	headers map[string]string
}

func newTable(w io.Writer, format string, headers map[string]string) (*table, error) {
	t := &table{w: w, headers: headers}
	if rest, ok := strings.CutPrefix(format, "table"); ok {
		t.isTable = true
		format = strings.TrimSpace(rest)
		t.tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		t.w = t.tw
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(format + "\n")
	if err != nil {
		return nil, fmt.Errorf("template parsing error: %w", err)
	}
	t.tmpl = tmpl
	if t.isTable {
		if err := tmpl.Execute(t.w, headers); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
	}
	return t, nil
}

// templateFuncs are the helpers docker's templates offer that scripts use.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"join":  strings.Join,
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
	"truncate": func(s string, n int) string {
		if len(s) > n {
			return s[:n]
		}
		return s
	},
}

func (t *table) row(v any) error {
	if err := t.tmpl.Execute(t.w, v); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	return nil
}

func (t *table) flush() error {
	if t.tw != nil {
		return t.tw.Flush()
	}
	return nil
}

// humanSize is docker's size format: three significant digits, decimal
// units ("4.26MB", "0B").
func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}

// since is CREATED's "3 hours ago"; an unknown time is "N/A".
func since(t *time.Time) string {
	if t == nil || t.IsZero() {
		return "N/A"
	}
	return engine.HumanDuration(time.Since(*t)) + " ago"
}

// isTerminal reports whether f is a terminal (save refuses to write one,
// prune and login prompt only on one).
func isTerminal(v any) bool {
	f, ok := v.(interface{ Fd() uintptr })
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
