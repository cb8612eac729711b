package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hullrt/hull/internal/image"
)

// historyOptions are `hull history`'s flags.
type historyOptions struct {
	quiet, noTrunc, human bool
	format                string
}

// historyRow is one step, with docker's field names.
type historyRow struct {
	ID           string
	CreatedSince string
	CreatedAt    string
	CreatedBy    string
	Size         string
	Comment      string
}

var historyHeaders = map[string]string{
	"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT",
	"CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT",
}

func runHistory(ctx context.Context, e *env, args []string) error {
	o := historyOptions{human: true}
	fs := e.newFlags("history")
	fs.Bool(&o.quiet, "q", "quiet", "Only show image IDs")
	fs.Bool(&o.noTrunc, "", "no-trunc", "Don't truncate output")
	fs.Bool(&o.human, "H", "human", "Print sizes and dates in human readable format")
	fs.String(&o.format, "", "format", "Format output using a Go template")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("history: requires exactly 1 argument")
	}
	rows, err := historyRows(ctx, e, pos[0], o)
	if err != nil {
		return err
	}
	format := o.format
	switch {
	case format != "":
	case o.quiet:
		format = "{{.ID}}"
	default:
		format = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
	}
	t, err := newTable(e.stdout, format, historyHeaders)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := t.row(r); err != nil {
			return err
		}
	}
	return t.flush()
}

// historyRows lists the steps newest first; only the newest carries the
// image ID, the others are "<missing>" as with any image docker pulled.
func historyRows(ctx context.Context, e *env, key string, o historyOptions) ([]historyRow, error) {
	svc, err := e.images()
	if err != nil {
		return nil, err
	}
	rec, err := lookup(ctx, svc, key)
	if err != nil {
		return nil, err
	}
	d, err := describe(ctx, svc, rec)
	if err != nil {
		return nil, err
	}
	steps, err := image.History(d.config)
	if err != nil {
		return nil, err
	}
	sizes := layerSizes(d)
	rows := make([]historyRow, 0, len(steps))
	for i := len(steps) - 1; i >= 0; i-- {
		rows = append(rows, historyRowOf(steps[i], sizes, o))
	}
	if len(rows) > 0 {
		rows[0].ID = shortID(d.id, o.noTrunc)
	}
	return rows, nil
}

// layerSizes maps each diff ID to its stored layer's size.
func layerSizes(d described) map[string]int64 {
	sizes := map[string]int64{}
	for i, id := range d.config.RootFS.DiffIDs {
		if i < len(d.resolved.Layers) {
			sizes[id.String()] = d.resolved.Layers[i].Size
		}
	}
	return sizes
}

func historyRowOf(s image.HistoryEntry, sizes map[string]int64, o historyOptions) historyRow {
	r := historyRow{ID: "<missing>", CreatedBy: s.CreatedBy, Comment: s.Comment}
	size := sizes[s.DiffID.String()]
	r.Size = fmt.Sprint(size)
	if o.human {
		r.Size = humanSize(size)
	}
	if s.Created != nil {
		r.CreatedAt = s.Created.Format(time.RFC3339)
	}
	r.CreatedSince = since(s.Created)
	if !o.noTrunc {
		r.CreatedBy = ellipsis(r.CreatedBy, 45)
	}
	r.CreatedBy = strings.ReplaceAll(r.CreatedBy, "\t", " ")
	return r
}

// ellipsis shortens s to n runes ending in "…", as docker's columns do.
func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
