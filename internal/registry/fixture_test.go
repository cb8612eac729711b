package registry

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/image"
)

// fixture is an image built in the test: gzip layers, an OCI config and
// manifest, as bytes with their descriptors.
type fixture struct {
	layers   [][]byte
	descs    []ocispec.Descriptor
	config   []byte
	manifest []byte
	desc     ocispec.Descriptor // the manifest's
}

// makeImage builds an image of n layers, each holding one file of size
// random bytes (stored, not compressed, so the blob is about that big).
func makeImage(t *testing.T, seed int64, n, size int, platform ocispec.Platform) fixture {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	var f fixture
	var diffIDs []digest.Digest
	for i := range n {
		data := make([]byte, size)
		rng.Read(data)
		var tarball bytes.Buffer
		tw := tar.NewWriter(&tarball)
		tw.WriteHeader(&tar.Header{Name: "file" + string(rune('a'+i)), Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg})
		tw.Write(data)
		tw.Close()
		diffIDs = append(diffIDs, digest.FromBytes(tarball.Bytes()))
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.NoCompression)
		zw.Write(tarball.Bytes())
		zw.Close()
		f.layers = append(f.layers, gz.Bytes())
		f.descs = append(f.descs, ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayerGzip, Digest: digest.FromBytes(gz.Bytes()), Size: int64(gz.Len())})
	}
	cfg := ocispec.Image{Platform: platform, RootFS: ocispec.RootFS{Type: "layers", DiffIDs: diffIDs}}
	cfg.Config.Cmd = []string{"/bin/sh"}
	f.config = mustJSON(t, cfg)
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Layers: f.descs,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(f.config), Size: int64(len(f.config))}}
	m.SchemaVersion = 2
	f.manifest = mustJSON(t, m)
	f.desc = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: digest.FromBytes(f.manifest), Size: int64(len(f.manifest))}
	return f
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var linuxAMD64 = ocispec.Platform{OS: "linux", Architecture: "amd64"}

// upload puts f into the registry at addr with go-containerregistry, an
// independent client, under ref ("repo:tag" or "repo" for by digest).
func upload(t *testing.T, addr, ref string, f fixture) {
	t.Helper()
	repo, err := name.NewRepository(addr+"/"+strings.Split(ref, ":")[0], name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range f.layers {
		if err := remote.WriteLayer(repo, static.NewLayer(l, types.MediaType(f.descs[i].MediaType))); err != nil {
			t.Fatal(err)
		}
	}
	if err := remote.WriteLayer(repo, static.NewLayer(f.config, types.OCIConfigJSON)); err != nil {
		t.Fatal(err)
	}
	putManifest(t, repo, ref, f.manifest, f.desc)
}

// putManifest puts a manifest or index under ref's tag, or its digest.
func putManifest(t *testing.T, repo name.Repository, ref string, data []byte, desc ocispec.Descriptor) {
	t.Helper()
	var r name.Reference = repo.Digest(desc.Digest.String())
	if _, tag, ok := strings.Cut(ref, ":"); ok {
		r = repo.Tag(tag)
	}
	if err := remote.Put(r, rawManifest{data: data, mediaType: types.MediaType(desc.MediaType)}); err != nil {
		t.Fatal(err)
	}
}

// newClient is a Client on fresh stores in a temporary directory.
func newClient(t *testing.T) *Client {
	t.Helper()
	c, err := clientAt(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clientAt is a Client on the stores under dir.
func clientAt(dir string) (*Client, error) {
	cs, err := content.NewLocal(filepath.Join(dir, "content"))
	if err != nil {
		return nil, err
	}
	is, err := image.NewStore(filepath.Join(dir, "images"))
	if err != nil {
		return nil, err
	}
	return &Client{Content: cs, Images: is}, nil
}

// recorder collects progress events.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Event(e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

// count is how many events had status.
func (r *recorder) count(status string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if e.Status == status {
			n++
		}
	}
	return n
}

// proxy is a real HTTP peer in front of a registry that can misbehave:
// flip a byte of one blob, or call onBlob as blob bytes pass. It records
// the Range headers it sees.
type proxy struct {
	upstream atomic.Value // host:port
	corrupt  digest.Digest
	noRange  bool             // drop Range headers, as a registry that ignores them
	onBlob   func(sent int64) // called after each chunk of a blob body
	mu       sync.Mutex
	ranges   []string
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out, _ := http.NewRequestWithContext(r.Context(), r.Method, "http://"+p.upstream.Load().(string)+r.URL.RequestURI(), r.Body)
	out.Header = r.Header.Clone()
	if rg := r.Header.Get("Range"); rg != "" {
		p.mu.Lock()
		p.ranges = append(p.ranges, rg)
		p.mu.Unlock()
	}
	if p.noRange {
		out.Header.Del("Range")
	}
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	blob := strings.Contains(r.URL.Path, "/blobs/sha256:")
	flip := p.corrupt != "" && strings.HasSuffix(r.URL.Path, "/blobs/"+p.corrupt.String())
	p.copyBody(w, resp.Body, blob, flip)
}

// copyBody streams body to w; an upstream that dies mid-body aborts the
// response, so the client sees the connection cut as it would from the
// registry itself.
func (p *proxy) copyBody(w http.ResponseWriter, body io.Reader, blob, flip bool) {
	buf := make([]byte, 64<<10)
	var sent int64
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if flip && sent == 0 {
				buf[0] ^= 0xff
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return // the client is gone
			}
			w.(http.Flusher).Flush()
			sent += int64(n)
			if blob && p.onBlob != nil {
				p.onBlob(sent)
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			panic(http.ErrAbortHandler)
		}
	}
}

func (p *proxy) sawRange() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ranges...)
}

// startProxy serves p on a free loopback port until the test ends.
func startProxy(t *testing.T, p *proxy, upstream string) string {
	t.Helper()
	p.upstream.Store(upstream)
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Addr: addr, Handler: p}
	ready := make(chan struct{})
	go func() {
		close(ready)
		srv.ListenAndServe()
	}()
	<-ready
	t.Cleanup(func() { srv.Close() })
	if err := waitReady(addr); err != nil {
		t.Fatal(err)
	}
	return addr
}

// ctxT is the context of a test.
func ctxT(t *testing.T) context.Context { return t.Context() }

// runs numbers the repositories of one test binary's runs, so -count=N
// does not find the previous run's blobs in the shared registry.
var runs atomic.Int64

// uniq makes a repository path unique to this run of the test.
func uniq(path string) string {
	return fmt.Sprintf("%s-%d", path, runs.Add(1))
}
