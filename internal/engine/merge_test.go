package engine

import (
	"slices"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

func TestMergeImageConfig(t *testing.T) {
	img := ocispec.ImageConfig{
		Entrypoint: []string{"/entry"}, Cmd: []string{"serve", "--port", "80"},
		Env:  []string{"PATH=/bin", "A=image"},
		User: "daemon", WorkingDir: "/srv", StopSignal: "SIGQUIT",
		Labels:  map[string]string{"from": "image", "both": "image"},
		Volumes: map[string]struct{}{"/data": {}},
	}
	for _, tc := range []struct {
		name            string
		in              container.Config
		entrypoint, cmd []string
	}{
		{"image defaults", container.Config{}, []string{"/entry"}, []string{"serve", "--port", "80"}},
		{"cmd replaces cmd only", container.Config{Cmd: []string{"sh"}}, []string{"/entry"}, []string{"sh"}},
		{"entrypoint drops the image's cmd", container.Config{Entrypoint: []string{"/bin/sh"}}, []string{"/bin/sh"}, nil},
		{"empty entrypoint clears it", container.Config{Entrypoint: []string{""}, Cmd: []string{"ls"}}, nil, []string{"ls"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.in
			mergeImageConfig(&c, img)
			if !slices.Equal(c.Entrypoint, tc.entrypoint) || !slices.Equal(c.Cmd, tc.cmd) {
				t.Fatalf("entrypoint %q cmd %q, want %q %q", c.Entrypoint, c.Cmd, tc.entrypoint, tc.cmd)
			}
		})
	}
	c := container.Config{Env: []string{"A=user", "B=user"}, User: "1000", Labels: map[string]string{"both": "user"}}
	mergeImageConfig(&c, img)
	if want := []string{"PATH=/bin", "A=user", "B=user"}; !slices.Equal(c.Env, want) {
		t.Errorf("env %q, want %q", c.Env, want)
	}
	if c.User != "1000" || c.WorkingDir != "/srv" || c.StopSignal != "SIGQUIT" {
		t.Errorf("user %q workdir %q stop signal %q", c.User, c.WorkingDir, c.StopSignal)
	}
	if c.Labels["from"] != "image" || c.Labels["both"] != "user" {
		t.Errorf("labels %v: the container's must win over the image's", c.Labels)
	}
	if _, ok := c.Volumes["/data"]; !ok {
		t.Errorf("volumes %v lack the image's /data", c.Volumes)
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "Less than a second", time.Second: "1 second", 42 * time.Second: "42 seconds",
		90 * time.Second: "About a minute", 5 * time.Minute: "5 minutes", 61 * time.Minute: "About an hour",
		5 * time.Hour: "5 hours", 72 * time.Hour: "3 days", 21 * 24 * time.Hour: "3 weeks",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParsePS(t *testing.T) {
	out := "UID PID PPID C STIME TTY TIME CMD\nroot 1 0 0 10:00 ? 00:00:01 /sbin/init splash\nroot 42 1 0 10:01 ? 00:00:00 sleep 600\n"
	r, err := parsePS(out, []int{42})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Processes) != 1 || r.Processes[0][1] != "42" || r.Processes[0][7] != "sleep 600" {
		t.Fatalf("processes %q", r.Processes)
	}
}

func TestNewIDAndNames(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := newID()
		if len(id) != 64 || seen[id] {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
		if n := randomName(0); !validName.MatchString(n) {
			t.Fatalf("generated name %q is not a valid name", n)
		}
	}
}
