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
