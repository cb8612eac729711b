package network

import "context"

// Attacher is the seam between the engine and what gives a container its
// network: a namespace of the container's own, with an interface and an
// address on each network the container is connected to. Store is the
// CNI implementation; a VM isolation backend, for one, would attach a tap
// device instead.
//
// Its lifecycle, around the runtime's:
//
//	netns, err := a.Attach(ctx, id) // before the runtime starts; the spec joins netns
//	if err != nil {
//		a.Detach(ctx, id) // undoes whatever part was done
//	}
//	... the container runs, restarts, stops ...
//	err = a.Detach(ctx, id) // once it stopped for good: addresses and ports go back
//
// Attach may be called again on an attached container (a start after a
// stop, or after a crash): it attaches what is missing and keeps what is
// there. Detach is idempotent and must succeed whatever a crash left.
type Attacher interface {
	Attach(ctx context.Context, containerID string) (netns string, err error)
	Detach(ctx context.Context, containerID string) error
}

var _ Attacher = (*Store)(nil)
