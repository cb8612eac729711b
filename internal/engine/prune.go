package engine

import (
	"context"

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
	return rep, nil
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
