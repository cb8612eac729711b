package build

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/images"
)

// A layer the cache made counts in DiskUsage and stays through GC until
// prune drops the entry that lists it.
func TestPruneReleasesLayers(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the image service's snapshotter needs root")
	}
	ctx := context.Background()
	dir := t.TempDir()
	svc, err := images.Open(filepath.Join(dir, "root"))
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	b, err := New(svc, Config{Dir: filepath.Join(dir, "root", "build"), RuntimeRoot: filepath.Join(dir, "run")})
	if err != nil {
		t.Fatal(err)
	}
	blob := []byte("not really a layer")
	d := digest.FromBytes(blob)
	w, err := svc.Content().Ingest(ctx, "test", d, int64(len(blob)))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(blob)
	if err := w.Commit(map[string]string{content.LabelGCRoot: gcRootCache}); err != nil {
		t.Fatal(err)
	}
	e := entry{Config: json.RawMessage(`{}`), Layers: []ocispec.Descriptor{{Digest: d, Size: int64(len(blob))}}, Layer: d}
	raw, _ := json.Marshal(e)
	if err := os.WriteFile(b.entryPath(digest.FromString("key")), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if u, err := b.DiskUsage(ctx); err != nil || u.Entries != 1 || u.Size != int64(len(blob)) {
		t.Fatalf("usage %+v, %v", u, err)
	}
	if _, err := svc.Prune(ctx); err != nil || !svc.Content().Exists(ctx, d) {
		t.Fatalf("image prune took a layer the cache holds: %v", err)
	}
	res, err := b.Prune(ctx, true)
	if err != nil || res.Entries != 1 {
		t.Fatalf("prune: %+v, %v", res, err)
	}
	if svc.Content().Exists(ctx, d) {
		t.Errorf("the layer outlived its entry")
	}
	if u, _ := b.DiskUsage(ctx); u.Entries != 0 || u.Size != 0 {
		t.Errorf("usage after prune: %+v", u)
	}
}
