package build

import (
	"reflect"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// command parses one instruction line.
func command(t *testing.T, line string) instructions.Command {
	t.Helper()
	res, err := parser.Parse(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	c, err := instructions.ParseCommand(res.AST.Children[0])
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// apply runs a metadata instruction on st and returns its text.
func apply(t *testing.T, st *state, line string) string {
	t.Helper()
	text, fn, err := metadata(st, command(t, line))
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(st); err != nil {
		t.Fatal(err)
	}
	return text
}

func TestMetadataInstructions(t *testing.T) {
	st := scratch()
	st.cfg.Config.Cmd = []string{"inherited"}
	if got := apply(t, st, `ENTRYPOINT ["/app"]`); got != `ENTRYPOINT ["/app"]` || st.cfg.Config.Cmd != nil {
		t.Errorf("ENTRYPOINT: %q, CMD %v (an inherited CMD is dropped)", got, st.cfg.Config.Cmd)
	}
	apply(t, st, "WORKDIR /a")
	if got := apply(t, st, "WORKDIR b/../c"); got != "WORKDIR /a/c" {
		t.Errorf("relative WORKDIR: %q", got)
	}
	apply(t, st, "EXPOSE 80 53/UDP 8000-8002")
	if _, ok := st.cfg.Config.ExposedPorts["8001/tcp"]; !ok || len(st.cfg.Config.ExposedPorts) != 5 {
		t.Errorf("EXPOSE: %v", st.cfg.Config.ExposedPorts)
	}
	if _, ok := st.cfg.Config.ExposedPorts["53/udp"]; !ok {
		t.Errorf("EXPOSE: %v", st.cfg.Config.ExposedPorts)
	}
	apply(t, st, `SHELL ["/bin/bash", "-euc"]`)
	apply(t, st, "CMD echo hi")
	if want := []string{"/bin/bash", "-euc", "echo hi"}; !reflect.DeepEqual(st.cfg.Config.Cmd, want) {
		t.Errorf("shell-form CMD under SHELL: %v", st.cfg.Config.Cmd)
	}
	apply(t, st, "ENV A=1 B=2")
	apply(t, st, "ENV A=3")
	if want := []string{"A=3", "B=2"}; !reflect.DeepEqual(st.cfg.Config.Env, want) {
		t.Errorf("ENV: %v", st.cfg.Config.Env)
	}
	apply(t, st, "HEALTHCHECK --interval=5s CMD true")
	if h := st.cfg.Config.Healthcheck; h == nil || h.Interval.Seconds() != 5 || h.Test[0] != "CMD-SHELL" {
		t.Errorf("HEALTHCHECK: %+v", h)
	}
	apply(t, st, "ONBUILD RUN echo later")
	apply(t, st, "STOPSIGNAL SIGQUIT")
	apply(t, st, "VOLUME /data /logs")
	apply(t, st, "LABEL a=b")
	apply(t, st, "USER 1000:1000")
	c := st.cfg.Config
	if len(c.OnBuild) != 1 || c.StopSignal != "SIGQUIT" || len(c.Volumes) != 2 || c.Labels["a"] != "b" || c.User != "1000:1000" {
		t.Errorf("config: %+v", c)
	}
}

func TestExposeRejectsBadPorts(t *testing.T) {
	for _, p := range []string{"http", "9-1", "70000", "1-"} {
		if _, err := expandPorts(p); err == nil {
			t.Errorf("EXPOSE %s accepted", p)
		}
	}
}

func TestCloneIsDeep(t *testing.T) {
	st := scratch()
	apply(t, st, "ENV A=1")
	apply(t, st, "LABEL a=b")
	c := st.clone()
	apply(t, c, "ENV A=2")
	apply(t, c, "LABEL a=c")
	if st.cfg.Config.Env[0] != "A=1" || st.cfg.Config.Labels["a"] != "b" {
		t.Errorf("changing a clone changed the original: %v %v", st.cfg.Config.Env, st.cfg.Config.Labels)
	}
}
