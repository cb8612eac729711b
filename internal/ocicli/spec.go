package ocicli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	hullrt "github.com/hullrt/hull/internal/runtime"
)

// cmdSpec writes an example config.json into the bundle, refusing to
// overwrite one, as runc does.
func cmdSpec(g *globals, args []string) error {
	f := newFlags("spec")
	var bundle string
	var rootless bool
	f.StringVar(&bundle, "bundle", "", "")
	f.StringVar(&bundle, "b", "", "")
	f.BoolVar(&rootless, "rootless", false, "")
	if _, err := parseArgs(f, args, 0); err != nil {
		return err
	}
	path := filepath.Join(bundle, "config.json")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("spec: %s already exists; remove it first", path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("spec: %w", err)
	}
	data, err := json.MarshalIndent(hullrt.ExampleSpec(rootless), "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o666)
}

// cmdFeatures prints what this runtime implements, in the runtime-spec's
// features.md format.
func cmdFeatures(g *globals, args []string) error {
	if _, err := parseArgs(newFlags("features"), args, 0); err != nil {
		return err
	}
	return printJSON(hullrt.Features())
}
