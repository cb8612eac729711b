package build

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/hullrt/hull/internal/content"
)

// The cache's marks in the stores it shares with images.
const (
	// gcRootCache is the content.LabelGCRoot value on the layer blob a
	// cache entry made.
	gcRootCache = "build-cache"
	// holdPrefix names the view snapshot that keeps a chain from image
	// prune while the cache uses it.
	holdPrefix = "build-hold-"
)

// entry is a cache entry: the state a step with this key produced. Only
// the layer a step made is a GC root of its own (labelled so in the
// content store); the others belong to the entries of earlier steps or to
// the base image, and lookup checks that they are still there.
type entry struct {
	Config json.RawMessage      `json:"config"`
	Layers []ocispec.Descriptor `json:"layers"`
	Chain  string               `json:"chain,omitempty"`
	// Layer is the blob this step made, "" for a step that changes
	// only the config.
	Layer   digest.Digest `json:"layer,omitempty"`
	Created time.Time     `json:"created"`
}

// stepKey is a step's cache key: its parent's key, the instruction as
// resolved, and what else decides its result (the digest of the files a
// COPY reads). Each part is length-prefixed so no two splits collide.
func stepKey(parent digest.Digest, text, extra string) digest.Digest {
	return digest.FromString(fmt.Sprintf("%d:%s%d:%s%d:%s", len(parent), parent, len(text), text, len(extra), extra))
}

func (b *Builder) entryPath(key digest.Digest) string {
	return filepath.Join(b.dir, "cache", key.Encoded()+".json")
}

// lookup returns the state the cache holds for key, built on parent, or
// false: no entry, --no-cache, or the entry's blobs or snapshots are gone.
func (bd *build) lookup(ctx context.Context, key digest.Digest, parent *state) (*state, bool) {
	if bd.opts.NoCache {
		return nil, false
	}
	b := bd.b
	e, err := b.readEntry(key)
	if err != nil {
		return nil, false
	}
	if e.Chain != "" && !b.images.Snapshots().Exists(ctx, e.Chain) {
		return nil, false
	}
	for _, l := range e.Layers {
		if !b.images.Content().Exists(ctx, l.Digest) {
			return nil, false
		}
	}
	next := &state{layers: e.Layers, chain: e.Chain, key: key, id: digest.FromBytes(e.Config),
		args: parent.args, argOrder: parent.argOrder, meta: parent.meta, cmdSet: parent.cmdSet}
	if json.Unmarshal(e.Config, &next.cfg) != nil {
		return nil, false
	}
	return next.clone(), true
}

func (b *Builder) readEntry(key digest.Digest) (entry, error) {
	var e entry
	raw, err := os.ReadFile(b.entryPath(key))
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(raw, &e)
}

// save stores st, the result of the step with key, in the cache and sets
// st.key and st.id. layer is the blob the step made ("" for none): it
// becomes a GC root until the entry is pruned.
func (bd *build) save(ctx context.Context, st *state, key, layer digest.Digest) error {
	raw, err := st.configJSON()
	if err != nil {
		return err
	}
	if layer != "" {
		err := bd.b.images.Content().SetLabels(ctx, layer, map[string]string{content.LabelGCRoot: gcRootCache})
		if err != nil {
			return err
		}
	}
	st.key, st.id = key, digest.FromBytes(raw)
	e := entry{Config: raw, Layers: st.layers, Chain: st.chain, Layer: layer, Created: time.Now().UTC()}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return writeFileAtomic(bd.b.entryPath(key), data)
}

// holdLeaves holds the chains of set that no other chain of set is built
// on: a hold on a chain keeps its ancestors too, since the snapshotter
// removes no parent. parent names a chain's parent ("" at the bottom).
// It returns the chains held.
func (b *Builder) holdLeaves(ctx context.Context, set map[string]string, parent func(string) string) error {
	_, err := b.holdCover(ctx, set, parent)
	return err
}

func (b *Builder) holdCover(ctx context.Context, set map[string]string, parent func(string) string) (map[string]bool, error) {
	covered := map[string]bool{}
	for c := range set {
		for p := parent(c); p != "" && !covered[p]; p = parent(p) {
			covered[p] = true
		}
	}
	leaves := map[string]bool{}
	for c := range set {
		if covered[c] {
			continue
		}
		leaves[c] = true
		if err := b.hold(ctx, c); err != nil {
			return nil, err
		}
	}
	return leaves, nil
}

// hold makes the view that keeps chain's snapshots from image prune.
func (b *Builder) hold(ctx context.Context, chain string) error {
	name := holdPrefix + digest.Digest(chain).Encoded()
	return b.images.HoldChain(ctx, name, chain, map[string]string{labelHold: chain})
}

// labelHold marks a hold view with the chain it holds.
const labelHold = "hull.build.hold"

// writeFileAtomic replaces path with data so that readers in other
// processes see the old file or the new one, never a part. The cache is
// a cache: no fsync, a crash may lose the newest entries.
func writeFileAtomic(path string, data []byte) error {
	tmp := fmt.Sprintf("%s.tmp-%d", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// lockShared takes the build directory's lock shared for a build; prune
// takes it exclusively, so it never removes what a build is using.
func (b *Builder) lockShared() (func(), error) {
	return b.lock(unix.LOCK_SH)
}

func (b *Builder) lock(how int) (func(), error) {
	f, err := os.OpenFile(filepath.Join(b.dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", f.Name(), err)
	}
	return func() { f.Close() }, nil
}
