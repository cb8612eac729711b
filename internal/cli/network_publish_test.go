package cli

import (
	"testing"
)

func TestParsePublish(t *testing.T) {
	for _, c := range []struct {
		in, port, ip, hostPort string
	}{
		{"80", "80/tcp", "", ""},
		{"8080:80", "80/tcp", "", "8080"},
		{"8080:80/udp", "80/udp", "", "8080"},
		{"127.0.0.1:8080:80", "80/tcp", "127.0.0.1", "8080"},
		{"127.0.0.1::80", "80/tcp", "127.0.0.1", ""},
	} {
		p, b, err := parsePublish(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		ip := ""
		if b.HostIP.IsValid() {
			ip = b.HostIP.String()
		}
		if p.String() != c.port || ip != c.ip || b.HostPort != c.hostPort {
			t.Errorf("%s: got %s %q %q", c.in, p, ip, b.HostPort)
		}
	}
	for _, bad := range []string{"", "0", "x:80", "80:0", "1:2:3:4", "80/sctp", "8000-8001:80-81", "300.0.0.1:80:80"} {
		if _, _, err := parsePublish(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParsePublish: -p never panics, and what it accepts names a valid
// container port and, if any, a host port in range.
func FuzzParsePublish(f *testing.F) {
	for _, s := range []string{"80", "8080:80/udp", "127.0.0.1::80", "[::1]:80:80", "::", "1:2:3:4", "80-81:80-81"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, b, err := parsePublish(s)
		if err != nil {
			return
		}
		if !p.IsValid() || p.Num() == 0 {
			t.Fatalf("%q: accepted port %v", s, p)
		}
		if b.HostPort != "" && b.HostPort == "0" {
			t.Fatalf("%q: host port 0", s)
		}
	})
}
