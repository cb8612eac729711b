package engine

import (
	"testing"

	"github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"
)

func TestPortMappings(t *testing.T) {
	cfg := &container.Config{ExposedPorts: mobynet.PortSet{
		mobynet.MustParsePort("80/tcp"): {}, mobynet.MustParsePort("53/udp"): {}, mobynet.MustParsePort("443/tcp"): {},
	}}
	hc := &container.HostConfig{PublishAllPorts: true, PortBindings: mobynet.PortMap{
		mobynet.MustParsePort("443/tcp"): {{HostPort: "8443"}},
	}}
	pms, err := portMappings(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	if len(pms) != 3 || pms[0].ContainerPort != 53 || pms[0].Protocol != "udp" || pms[0].HostPort != 0 ||
		pms[2].ContainerPort != 443 || pms[2].HostPort != 8443 {
		t.Errorf("mappings %+v", pms)
	}
	hc.PortBindings[mobynet.MustParsePort("1/sctp")] = nil
	if _, err := portMappings(cfg, hc); err == nil {
		t.Error("sctp published")
	}
}

func TestNetworkModes(t *testing.T) {
	for mode, want := range map[container.NetworkMode]bool{"": true, "default": true, "bridge": true, "app": true,
		"none": false, "host": false, "container:x": false} {
		if got := networked(&container.HostConfig{NetworkMode: mode}); got != want {
			t.Errorf("networked(%q) = %v", mode, got)
		}
	}
	if primaryNetwork(&container.HostConfig{NetworkMode: "default"}) != "bridge" {
		t.Error("default is not the bridge network")
	}
	hc := &container.HostConfig{NetworkMode: "none", PublishAllPorts: true}
	if err := validateNetworkMode(hc); err == nil {
		t.Error("publishing with --network none accepted")
	}
	hc = &container.HostConfig{NetworkMode: "host", PublishAllPorts: true}
	if err := validateNetworkMode(hc); err != nil || hc.PublishAllPorts {
		t.Errorf("--network host -P: %v, publish all %v (Docker discards it)", err, hc.PublishAllPorts)
	}
}
