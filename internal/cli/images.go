package cli

import (
	"context"
	"fmt"
	"sort"

	"github.com/hullrt/hull/internal/images"
)

// imagesOptions are `hull images`'s flags.
type imagesOptions struct {
	quiet, all, noTrunc, digests bool
	format                       string
	filter                       string // REPOSITORY[:TAG]
	filters                      []string
}

// imageRow is one line of `hull images`, with docker's field names so
// --format templates written for docker work unchanged.
type imageRow struct {
	Containers   string
	CreatedAt    string
	CreatedSince string
	Digest       string
	ID           string
	Repository   string
	Tag          string
	Size         string
}

var imageHeaders = map[string]string{
	"Containers": "CONTAINERS", "CreatedAt": "CREATED AT", "CreatedSince": "CREATED",
	"Digest": "DIGEST", "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Size": "SIZE",
}

func runImages(ctx context.Context, e *env, args []string) error {
	var o imagesOptions
	fs := e.newFlags("images")
	fs.Bool(&o.quiet, "q", "quiet", "Only show image IDs")
	fs.Bool(&o.all, "a", "all", "Show all images (hull keeps no intermediate images)")
	fs.Bool(&o.noTrunc, "", "no-trunc", "Don't truncate output")
	fs.Bool(&o.digests, "", "digests", "Show digests")
	fs.String(&o.format, "", "format", "Format output using a Go template")
	fs.Strings(&o.filters, "f", "filter", "Filter output based on conditions provided (reference, label, before, since, dangling)")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return fmt.Errorf("images: at most one REPOSITORY[:TAG] argument")
	}
	if len(pos) == 1 {
		o.filter = pos[0]
	}
	svc, err := e.images()
	if err != nil {
		return err
	}
	return listImages(ctx, e, svc, o)
}

func listImages(ctx context.Context, e *env, svc *images.Service, o imagesOptions) error {
	rows, err := imageRows(ctx, svc, o)
	if err != nil {
		return err
	}
	t, err := newTable(e.stdout, imagesFormat(o), imageHeaders)
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

// imagesFormat is docker's default table, or what -q and --format ask for.
func imagesFormat(o imagesOptions) string {
	switch {
	case o.format != "":
		return o.format
	case o.quiet:
		return "{{.ID}}"
	case o.digests:
		return "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
	}
	return "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
}

// imageRows describes every record, newest first as docker lists them.
func imageRows(ctx context.Context, svc *images.Service, o imagesOptions) ([]imageRow, error) {
	recs, err := svc.List(ctx)
	if err != nil {
		return nil, err
	}
	f, err := parseImageFilters(ctx, svc, o.filters)
	if err != nil {
		return nil, err
	}
	var ds []described
	for _, rec := range recs {
		repo, tag := repoTag(rec.Name)
		if o.filter != "" && o.filter != repo && o.filter != repo+":"+tag {
			continue
		}
		d, err := describe(ctx, svc, rec)
		if err != nil {
			return nil, err
		}
		if !f.match(d) {
			continue
		}
		ds = append(ds, d)
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].created().After(ds[j].created()) })
	rows := make([]imageRow, 0, len(ds))
	for _, d := range ds {
		repo, tag := repoTag(d.rec.Name)
		c := d.created()
		rows = append(rows, imageRow{
			Containers: "N/A", CreatedAt: c.Format("2006-01-02 15:04:05 -0700 MST"),
			CreatedSince: since(&c), Digest: d.rec.Target.Digest.String(),
			ID: shortID(d.id, o.noTrunc), Repository: repo, Tag: tag, Size: humanSize(d.size),
		})
	}
	return rows, nil
}
