package cli

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/images"
)

// importOptions are `hull import`'s flags.
type importOptions struct {
	changes  []string
	message  string
	platform string
}

// runImport makes a one-layer image from a root filesystem tarball (a file
// or "-" for stdin) and prints its ID, as docker does.
func runImport(ctx context.Context, e *env, args []string) error {
	var o importOptions
	fs := e.newFlags("import")
	fs.Strings(&o.changes, "c", "change", "Apply Dockerfile instruction to the created image")
	fs.String(&o.message, "m", "message", "Set commit message for imported image")
	fs.String(&o.platform, "", "platform", "Set platform if server is multi-platform capable")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return fmt.Errorf("import: requires a file (or -) and a REPOSITORY[:TAG]; hull keeps no unnamed images")
	}
	opts, err := o.imageOptions()
	if err != nil {
		return err
	}
	if _, err := image.ParseNormalized(pos[1]); err != nil {
		return err
	}
	r, closer, err := openInput(e, pos[0])
	if err != nil {
		return err
	}
	defer closer()
	svc, err := e.images()
	if err != nil {
		return err
	}
	img, err := svc.Import(ctx, r, pos[1], opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, img.ID)
	return nil
}

func (o importOptions) imageOptions() (images.ImportOptions, error) {
	opts := images.ImportOptions{Comment: o.message}
	var err error
	if o.platform != "" {
		if opts.Platform, err = image.ParsePlatform(o.platform); err != nil {
			return opts, err
		}
	}
	opts.Changes, err = parseChanges(o.changes)
	return opts, err
}

// openInput opens path, or stdin for "-".
func openInput(e *env, path string) (io.Reader, func(), error) {
	if path == "-" {
		return e.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { f.Close() }, nil
}
