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
	// gcRootCache is the content.LabelGCRoot value on a cache entry's
	// manifest.
	gcRootCache = "build-cache"
	// annotationKey in a cache manifest gives each entry a manifest of its
	// own, so that removing one entry releases exactly its manifest.
	annotationKey = "io.hull.build.cache-key"
	// holdPrefix names the view snapshot that keeps a chain from image
	// prune while the cache uses it.
	holdPrefix = "build-hold-"
)

// entry is a cache entry: the state a step with this key produced.
type entry struct {
	Manifest ocispec.Descriptor `json:"manifest"`
	ID       digest.Digest      `json:"id"`
	Chain    string             `json:"chain,omitempty"`
	Created  time.Time          `json:"created"`
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
	cs := b.images.Content()
	mb, err := cs.ReadBlob(ctx, e.Manifest)
	if err != nil {
		return nil, false
	}
	var m ocispec.Manifest
	if json.Unmarshal(mb, &m) != nil {
		return nil, false
	}
	cb, err := cs.ReadBlob(ctx, m.Config)
	if err != nil {
		return nil, false
	}
	if e.Chain != "" && !b.images.Snapshots().Exists(ctx, e.Chain) {
		return nil, false
	}
	next := &state{layers: m.Layers, chain: e.Chain, key: key, id: m.Config.Digest,
		args: parent.args, argOrder: parent.argOrder, meta: parent.meta, cmdSet: parent.cmdSet}
	if json.Unmarshal(cb, &next.cfg) != nil {
		return nil, false
	}
	next = next.clone()
	os.Chtimes(b.entryPath(key), time.Now(), time.Now()) // last used, for a future prune --filter until
	return next, true
}

func (b *Builder) readEntry(key digest.Digest) (entry, error) {
	var e entry
	raw, err := os.ReadFile(b.entryPath(key))
	if err != nil {
		return e, err
	}
	return e, json.Unmarshal(raw, &e)
}

// save stores st (the result of the step with key) in the content store
// and the cache, and sets st.key and st.id.
func (bd *build) save(ctx context.Context, st *state, key digest.Digest) error {
	raw, err := st.configJSON()
	if err != nil {
		return err
	}
	b := bd.b
	desc, id, err := b.images.WriteBuildManifest(ctx, raw, st.layers,
		map[string]string{annotationKey: key.String()}, map[string]string{content.LabelGCRoot: gcRootCache})
	if err != nil {
		return err
	}
	st.key, st.id = key, id
	if st.chain != "" {
		if err := b.hold(ctx, st.chain); err != nil {
			return err
		}
	}
	e := entry{Manifest: desc, ID: id, Chain: st.chain, Created: time.Now().UTC()}
	data, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return writeFileAtomic(b.entryPath(key), data)
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
func (b *Builder) lockShared(ctx context.Context) (func(), error) {
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
