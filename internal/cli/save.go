package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/hullrt/hull/internal/imagearchive"
)

func (e *env) archiveStores() (imagearchive.Stores, error) {
	svc, err := e.images()
	if err != nil {
		return imagearchive.Stores{}, err
	}
	return imagearchive.Stores{Content: svc.Content(), Images: svc.Records()}, nil
}

// runSave writes a docker-archive to -o or to stdout, never to a terminal.
func runSave(ctx context.Context, e *env, args []string) error {
	var output string
	fs := e.newFlags("save")
	fs.String(&output, "o", "output", "Write to a file, instead of STDOUT")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return fmt.Errorf("save: requires at least 1 argument")
	}
	if output == "" && isTerminal(e.stdout) {
		return fmt.Errorf("cowardly refusing to save to a terminal. Use the -o flag or redirect")
	}
	s, err := e.archiveStores()
	if err != nil {
		return err
	}
	if output == "" {
		return imagearchive.Save(ctx, e.stdout, pos, s)
	}
	return saveToFile(ctx, output, pos, s)
}

// saveToFile writes next to output and renames, so a failed save leaves
// no half archive behind under the name asked for.
func saveToFile(ctx context.Context, output string, names []string, s imagearchive.Stores) error {
	f, err := os.CreateTemp(filepath.Dir(output), ".hull-save-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := imagearchive.Save(ctx, f, names, s); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), output)
}

// runLoad reads an archive from -i or stdin and names what it loaded.
func runLoad(ctx context.Context, e *env, args []string) error {
	var input string
	var quiet bool
	fs := e.newFlags("load")
	fs.String(&input, "i", "input", "Read from tar archive file, instead of STDIN")
	fs.Bool(&quiet, "q", "quiet", "Suppress the load output")
	pos, err := fs.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return fmt.Errorf("load: accepts no arguments")
	}
	var r io.Reader = e.stdin
	if input != "" {
		f, err := os.Open(input)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	} else if isTerminal(e.stdin) {
		return fmt.Errorf("requested load from stdin, but stdin is empty")
	}
	s, err := e.archiveStores()
	if err != nil {
		return err
	}
	loaded, err := imagearchive.Load(ctx, r, s)
	if err != nil {
		return err
	}
	for _, img := range loaded {
		if img.Name == "" {
			fmt.Fprintf(e.stdout, "Loaded image ID: %s\n", img.ID)
			continue
		}
		fmt.Fprintf(e.stdout, "Loaded image: %s\n", familiar(img.Name))
	}
	return nil
}
