package engine

import "github.com/hullrt/hull/internal/monitor"

// Attach connects to a running container's monitor, as `docker attach`
// does: the attachment gets the container's output from now on and may
// send it input and terminal sizes. It fails with errdefs.ErrConflict when
// the container is not running.
func (e *Engine) Attach(ref string) (*monitor.Attachment, error) {
	c, err := e.Lookup(ref)
	if err != nil {
		return nil, err
	}
	return monitor.Dial(e.dir(c.ID))
}
