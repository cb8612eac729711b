package engine

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/moby/api/types/container"
)

// Prune removes every stopped container (those the filters select, when
// given: label, until) and reports what went.
func (e *Engine) Prune(ctx context.Context, filters map[string][]string) (container.PruneReport, error) {
	var rep container.PruneReport
	list, err := e.List(ListOptions{All: true})
	if err != nil {
		return rep, err
	}
	for _, s := range list {
		if s.State != container.StateExited && s.State != container.StateCreated && s.State != container.StateDead {
			continue
		}
		if !pruneMatch(s, filters) {
			continue
		}
		if err := e.Remove(ctx, s.ID, RemoveOptions{}); err == nil {
			rep.ContainersDeleted = append(rep.ContainersDeleted, s.ID)
		}
	}
	e.removeRecordless(ctx, time.Minute)
	e.EmptyTrash() // what monitors killed before they emptied it left
	return rep, nil
}

// removeRecordless deletes container directories that never got a record,
// what a create killed in its first microseconds leaves, and the links of
// --rm containers whose directory in the exec root is gone (see makeDir):
// a reboot emptied it, and nothing of those containers is to outlive one,
// so their snapshot, log and name go too. One younger than grace may be a
// create still under way.
func (e *Engine) removeRecordless(ctx context.Context, grace time.Duration) {
	ids, err := e.ids()
	if err != nil {
		return
	}
	for _, id := range ids {
		dir := e.dir(id)
		if _, err := os.Stat(filepath.Join(dir, "container.json")); !errors.Is(err, os.ErrNotExist) {
			continue
		}
		fi, err := os.Lstat(dir)
		if err != nil || time.Since(fi.ModTime()) <= grace {
			continue
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			e.images.RemoveRootfs(ctx, id)
			e.releaseNamesOf(id)
		}
		e.removeDir(&Container{ID: id}, false)
	}
}

// releaseNamesOf removes the names that point at id.
func (e *Engine) releaseNamesOf(id string) {
	ents, err := os.ReadDir(e.namesDir())
	if err != nil {
		return
	}
	for _, ent := range ents {
		e.releaseName(ent.Name(), id)
	}
}

func pruneMatch(s container.Summary, filters map[string][]string) bool {
	for _, l := range filters["label"] {
		if !matchLabel(s.Labels, l) {
			return false
		}
	}
	for _, l := range filters["label!"] {
		if matchLabel(s.Labels, l) {
			return false
		}
	}
	return true
}
