package registry

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hullrt/hull/internal/image"
)

func TestInsecureHosts(t *testing.T) {
	o := RemoteOptions{
		InsecureRegistries: []string{"registry.lan:5000", "build.lan"},
		Mirrors:            map[string][]string{"docker.io": {"http://mirror.lan:5001", "secure.lan"}},
	}
	for host, want := range map[string]bool{
		"127.0.0.1:5000":       true,
		"127.1.2.3":            true,
		"localhost:5000":       true,
		"[::1]:5000":           true,
		"registry.lan:5000":    true,
		"registry.lan:5001":    false,
		"build.lan:443":        true,
		"mirror.lan:5001":      true,
		"secure.lan":           false,
		"10.0.0.1:5000":        false, // RFC 1918 is not trusted, as in Docker
		"registry.example.com": false,
	} {
		if got := o.insecure(host); got != want {
			t.Errorf("insecure(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestPlainHTTPRefusedToOtherHosts(t *testing.T) {
	var o RemoteOptions
	req, _ := http.NewRequest(http.MethodGet, "http://10.0.0.1:5000/v2/", nil)
	_, err := o.transport().RoundTrip(req)
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP") {
		t.Fatalf("plain HTTP to a private address: %v", err)
	}
}

func TestEndpointsMirrorsFirst(t *testing.T) {
	o := RemoteOptions{Mirrors: map[string][]string{"docker.io": {"http://mirror.lan:5001/", "https://other.lan"}}}
	ref, err := image.ParseNormalized("busybox")
	if err != nil {
		t.Fatal(err)
	}
	eps, err := o.endpoints(ref)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ep := range eps {
		got = append(got, ep.repo.Name())
	}
	want := "mirror.lan:5001/library/busybox other.lan/library/busybox index.docker.io/library/busybox"
	if strings.Join(got, " ") != want {
		t.Errorf("endpoints %q, want %q", got, want)
	}
	if !eps[0].mirror || eps[2].mirror {
		t.Errorf("mirror flags wrong: %+v", eps)
	}
}
