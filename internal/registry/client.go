package registry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/hullrt/hull/internal/content"
	"github.com/hullrt/hull/internal/errdefs"
	"github.com/hullrt/hull/internal/image"
)

// ContentStore is what a pull or push needs of the content store: the
// store itself, whole small blobs for manifests, and a lease that keeps GC
// from collecting layers before the manifest that refers to them is
// committed. content.Local implements it.
type ContentStore interface {
	content.Store
	image.Provider
	Lease(ctx context.Context) (release func(), err error)
}

// Client pulls into and pushes from one content store and image store.
// It holds no connections; each call opens its own.
type Client struct {
	Content ContentStore
	Images  *image.Store
}

// RemoteOptions say how to reach registries; pulls and pushes share them.
type RemoteOptions struct {
	// InsecureRegistries are hosts ("host" or "host:port") reached over
	// plain HTTP. Loopback hosts always are.
	InsecureRegistries []string
	// Mirrors maps a registry host ("docker.io") to mirrors tried in
	// order before it: "host:port" or "http://host:port" (the latter
	// also marks the mirror insecure).
	Mirrors map[string][]string
	// Keychain finds credentials for a registry; nil reads Docker's
	// config.json at its default place (see ConfigKeychain).
	Keychain authn.Keychain
	// Progress receives one Event per change of a layer's state and
	// periodic byte counts; nil discards them. It is called from several
	// goroutines, never concurrently.
	Progress func(Event)
}

// PullOptions tune Pull.
type PullOptions struct {
	RemoteOptions
	// Platform picks the manifest from a multi-platform index; the zero
	// value means the host's platform.
	Platform image.Platform
}

// PushOptions tune Push.
type PushOptions struct {
	RemoteOptions
}

// endpoint is one place to fetch a repository from: a mirror or the
// registry itself, with a transport that has done the auth handshake.
type endpoint struct {
	repo   name.Repository
	mirror bool
	rt     http.RoundTripper
}

// keychain is the configured keychain or the default config.json one.
func (o *RemoteOptions) keychain() authn.Keychain {
	if o.Keychain != nil {
		return o.Keychain
	}
	return ConfigKeychain("")
}

// endpoints lists where ref's repository can be reached, mirrors first.
// Mirrors keep the repository path: docker.io/library/busybox is
// MIRROR/library/busybox, as dockerd's registry-mirrors work.
func (o *RemoteOptions) endpoints(ref image.Reference) ([]endpoint, error) {
	var eps []endpoint
	for _, m := range o.Mirrors[ref.Domain] {
		host, plain := strings.CutPrefix(m, "http://")
		host = strings.TrimSuffix(strings.TrimPrefix(host, "https://"), "/")
		repo, err := o.repository(host, ref.Path, plain)
		if err != nil {
			return nil, fmt.Errorf("mirror %q of %s: %w", m, ref.Domain, err)
		}
		eps = append(eps, endpoint{repo: repo, mirror: true})
	}
	repo, err := o.repository(ref.Domain, ref.Path, false)
	if err != nil {
		return nil, err
	}
	return append(eps, endpoint{repo: repo}), nil
}

// repository names path on host, allowing plain HTTP where Docker does.
func (o *RemoteOptions) repository(host, path string, plain bool) (name.Repository, error) {
	var opts []name.Option
	if plain || o.insecure(host) {
		opts = append(opts, name.Insecure)
	}
	return name.NewRepository(host+"/"+path, opts...)
}

// insecure reports whether host may be reached over plain HTTP: loopback
// addresses always (nothing on the wire to intercept), listed hosts and
// mirrors given as http:// when the user asked for them.
func (o *RemoteOptions) insecure(host string) bool {
	if slices.Contains(o.InsecureRegistries, host) {
		return true
	}
	for _, mirrors := range o.Mirrors {
		if slices.Contains(mirrors, "http://"+host) || slices.Contains(mirrors, "http://"+host+"/") {
			return true
		}
	}
	h := host
	if hh, _, err := net.SplitHostPort(host); err == nil {
		h = hh
	}
	h = strings.Trim(h, "[]")
	if slices.Contains(o.InsecureRegistries, h) || h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// connect pings ep's registry and does the auth handshake for scopes.
func (o *RemoteOptions) connect(ctx context.Context, ep *endpoint, scopes ...string) error {
	auth, err := o.keychain().Resolve(ep.repo.Registry)
	if err != nil {
		return fmt.Errorf("credentials for %s: %w", ep.repo.RegistryStr(), err)
	}
	rt, err := transport.NewWithContext(ctx, ep.repo.Registry, auth, o.transport(), scopes)
	if err != nil {
		return clean(err)
	}
	ep.rt = rt
	return nil
}

// transport is the HTTP transport under go-containerregistry's auth.
func (o *RemoteOptions) transport() http.RoundTripper {
	return httpsOnly{o: o, next: remote.DefaultTransport}
}

// httpsOnly refuses plain HTTP to hosts not allowed it. go-containerregistry
// falls back to HTTP by itself for RFC 1918 addresses when HTTPS fails;
// Docker does not, and neither does hull: whoever can block port 443 on a
// private network must not get the credentials and images in the clear.
type httpsOnly struct {
	o    *RemoteOptions
	next http.RoundTripper
}

func (t httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !t.o.insecure(req.URL.Host) {
		return nil, fmt.Errorf("refusing plain HTTP to %s: it is not a loopback address nor listed as an insecure registry: %w",
			req.URL.Host, errdefs.ErrInvalidArgument)
	}
	return t.next.RoundTrip(req)
}

// remoteOpts are the go-containerregistry options for calls on ep.
func (ep *endpoint) remoteOpts(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithTransport(ep.rt)}
}

// emit sends e to the progress callback, if any.
func (o *RemoteOptions) emit(e Event) {
	if o.Progress != nil {
		o.Progress(e)
	}
}
