package registry

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// updateAuths edits the "auths" of the config.json at path with fn and
// writes the file back atomically, keeping every other key.
func updateAuths(path string, fn func(map[string]json.RawMessage) error) error {
	top, err := readConfig(path)
	if err != nil {
		return err
	}
	auths, err := readAuths(path)
	if err != nil {
		return err
	}
	if err := fn(auths); err != nil {
		return err
	}
	raw, err := json.Marshal(auths)
	if err != nil {
		return err
	}
	top["auths"] = raw
	data, err := json.MarshalIndent(top, "", "\t")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic replaces path with data, mode 0600 since the file holds
// passwords: a temporary file in the same directory, synced, renamed over
// path, so a crash leaves the old file or the new one, never a torn one.
func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".config-*.json")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
