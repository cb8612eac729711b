package engine

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/hullrt/hull/internal/cgroups"
	"github.com/hullrt/hull/internal/errdefs"
)

// Pause freezes every process of a running container.
func (e *Engine) Pause(ref string) error {
	return e.freeze(ref, true)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ref string) error {
	return e.freeze(ref, false)
}

func (e *Engine) freeze(ref string, pause bool) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	st := e.status(c)
	switch {
	case !st.Running:
		return fmt.Errorf("container %s is not running: %w", c.ID, errdefs.ErrConflict)
	case pause && st.Paused:
		return fmt.Errorf("container %s is already paused: %w", c.ID, errdefs.ErrConflict)
	case !pause && !st.Paused:
		return fmt.Errorf("container %s is not paused: %w", c.ID, errdefs.ErrConflict)
	}
	rc, err := e.runtime.Load(c.ID)
	if err != nil {
		return err
	}
	if pause {
		err = rc.Pause()
		e.emit(c, "pause", nil)
	} else {
		err = rc.Resume()
		e.emit(c, "unpause", nil)
	}
	return err
}

// Rename gives a container a new name.
func (e *Engine) Rename(ref, name string) error {
	c, err := e.Lookup(ref)
	if err != nil {
		return err
	}
	name = strings.TrimPrefix(name, "/")
	if name == c.Name {
		return fmt.Errorf("renaming a container with the same name as its current name: %w", errdefs.ErrInvalidArgument)
	}
	unlock, err := e.lock(c.ID)
	if err != nil {
		return err
	}
	defer unlock()
	if c, err = e.load(c.ID); err != nil {
		return err
	}
	if err := e.claimName(name, c.ID); err != nil {
		return err
	}
	old := c.Name
	c.Name = name
	if err := e.save(c); err != nil {
		e.releaseName(name, c.ID)
		return err
	}
	e.releaseName(old, c.ID)
	e.emit(c, "rename", map[string]string{"oldName": "/" + old})
	// Peers on its networks resolve it by its new name from now on; the
	// rename stands even if their hosts files cannot follow.
	if err := e.renameNetworks(c); err != nil {
		return fmt.Errorf("renamed, but the hosts files of its networks did not follow: %w", err)
	}
	return nil
}

// Top runs ps(1) on the host over the container's processes, as `docker top`
// does; psArgs are ps's options (default "-ef").
func (e *Engine) Top(ref string, psArgs []string) (*container.TopResponse, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return nil, err
	}
	if st := e.status(c); !st.Running {
		return nil, fmt.Errorf("container %s is not running: %w", c.ID, errdefs.ErrConflict)
	}
	rc, err := e.runtime.Load(c.ID)
	if err != nil {
		return nil, err
	}
	pids, err := rc.Processes()
	if err != nil {
		return nil, err
	}
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.Command("ps", psArgs...).Output()
	if err != nil {
		return nil, fmt.Errorf("running ps: %w", err)
	}
	return parsePS(string(out), pids)
}

// parsePS keeps the lines of ps output whose PID column is one of pids.
func parsePS(out string, pids []int) (*container.TopResponse, error) {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	r := &container.TopResponse{Titles: strings.Fields(lines[0])}
	col := -1
	for i, t := range r.Titles {
		if t == "PID" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("ps output has no PID column: %w", errdefs.ErrInvalidArgument)
	}
	want := map[int]bool{}
	for _, p := range pids {
		want[p] = true
	}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= col {
			continue
		}
		if pid, err := strconv.Atoi(f[col]); err == nil && want[pid] {
			// The last column (the command) may contain spaces.
			row := append(f[:len(r.Titles)-1:len(r.Titles)-1], strings.Join(f[len(r.Titles)-1:], " "))
			r.Processes = append(r.Processes, row)
		}
	}
	return r, nil
}

// Stats returns a running container's resource usage.
func (e *Engine) Stats(ref string) (*cgroups.Stats, *Container, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return nil, nil, err
	}
	if st := e.status(c); !st.Running {
		return &cgroups.Stats{}, c, nil
	}
	rc, err := e.runtime.Load(c.ID)
	if err != nil {
		if os.IsNotExist(err) || errdefs.IsNotFound(err) {
			return &cgroups.Stats{}, c, nil
		}
		return nil, nil, err
	}
	s, err := rc.Stats()
	return s, c, err
}
