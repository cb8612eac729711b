package build

import (
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/hullrt/hull/internal/errdefs"
)

// defaultShell is what RUN, CMD and ENTRYPOINT in shell form run under
// until SHELL says otherwise.
var defaultShell = []string{"/bin/sh", "-c"}

// metadata turns an instruction that changes only the config into the text
// its cache key and history use and the change itself. Words are expanded
// already.
func metadata(st *state, cmd instructions.Command) (string, func(*state) error, error) {
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		var parts []string
		for _, kv := range c.Env {
			parts = append(parts, kv.Key+"="+kv.Value)
		}
		return "ENV " + strings.Join(parts, " "), func(s *state) error {
			for _, kv := range c.Env {
				s.cfg.Config.Env = setEnv(s.cfg.Config.Env, kv.Key, kv.Value)
			}
			return nil
		}, nil
	case *instructions.LabelCommand:
		var parts []string
		for _, kv := range c.Labels {
			parts = append(parts, kv.Key+"="+kv.Value)
		}
		return "LABEL " + strings.Join(parts, " "), func(s *state) error {
			if s.cfg.Config.Labels == nil {
				s.cfg.Config.Labels = map[string]string{}
			}
			for _, kv := range c.Labels {
				s.cfg.Config.Labels[kv.Key] = kv.Value
			}
			return nil
		}, nil
	case *instructions.WorkdirCommand:
		dir := workdir(st.cfg.Config.WorkingDir, c.Path)
		return "WORKDIR " + dir, func(s *state) error { s.cfg.Config.WorkingDir = dir; return nil }, nil
	case *instructions.UserCommand:
		return "USER " + c.User, func(s *state) error { s.cfg.Config.User = c.User; return nil }, nil
	case *instructions.CmdCommand:
		args := commandLine(st, c.ShellDependantCmdLine)
		return "CMD " + jsonText(args), func(s *state) error { s.cfg.Config.Cmd = args; return nil }, nil
	case *instructions.EntrypointCommand:
		args := commandLine(st, c.ShellDependantCmdLine)
		return "ENTRYPOINT " + jsonText(args), func(s *state) error {
			s.cfg.Config.Entrypoint = args
			if !s.cmdSet {
				// Docker: a CMD inherited from the base image makes
				// no sense with a new ENTRYPOINT.
				s.cfg.Config.Cmd = nil
			}
			return nil
		}, nil
	}
	return moreMetadata(cmd)
}

// moreMetadata is metadata for the instructions that do not depend on the
// state.
func moreMetadata(cmd instructions.Command) (string, func(*state) error, error) {
	switch c := cmd.(type) {
	case *instructions.ExposeCommand:
		var ports []string
		for _, p := range c.Ports {
			more, err := expandPorts(p)
			if err != nil {
				return "", nil, err
			}
			ports = append(ports, more...)
		}
		return "EXPOSE " + strings.Join(ports, " "), func(s *state) error {
			if s.cfg.Config.ExposedPorts == nil {
				s.cfg.Config.ExposedPorts = map[string]struct{}{}
			}
			for _, p := range ports {
				s.cfg.Config.ExposedPorts[p] = struct{}{}
			}
			return nil
		}, nil
	case *instructions.VolumeCommand:
		return "VOLUME " + jsonText(c.Volumes), func(s *state) error {
			if s.cfg.Config.Volumes == nil {
				s.cfg.Config.Volumes = map[string]struct{}{}
			}
			for _, v := range c.Volumes {
				if v == "" {
					return fmt.Errorf("VOLUME specified can not be an empty string: %w", errdefs.ErrInvalidArgument)
				}
				s.cfg.Config.Volumes[v] = struct{}{}
			}
			return nil
		}, nil
	case *instructions.StopSignalCommand:
		return "STOPSIGNAL " + c.Signal, func(s *state) error { s.cfg.Config.StopSignal = c.Signal; return nil }, nil
	case *instructions.HealthCheckCommand:
		return "HEALTHCHECK " + jsonText(c.Health), func(s *state) error { s.cfg.Config.Healthcheck = c.Health; return nil }, nil
	case *instructions.OnbuildCommand:
		return "ONBUILD " + c.Expression, func(s *state) error {
			s.cfg.Config.OnBuild = append(s.cfg.Config.OnBuild, c.Expression)
			return nil
		}, nil
	case *instructions.ShellCommand:
		return "SHELL " + jsonText(c.Shell), func(s *state) error { s.cfg.Config.Shell = c.Shell; return nil }, nil
	case *instructions.MaintainerCommand:
		return "MAINTAINER " + c.Maintainer, func(s *state) error { s.cfg.Author = c.Maintainer; return nil }, nil
	}
	return "", nil, fmt.Errorf("instruction %s is not supported: %w", strings.ToUpper(cmd.Name()), errdefs.ErrInvalidArgument)
}

// expandPorts reads an EXPOSE word: "80", "53/udp" or a range
// "8000-8002/tcp", which Docker records as one port each.
func expandPorts(p string) ([]string, error) {
	port, proto, _ := strings.Cut(strings.ToLower(p), "/")
	if proto == "" {
		proto = "tcp"
	}
	lo, hi, isRange := strings.Cut(port, "-")
	first, err1 := strconv.ParseUint(lo, 10, 16)
	last, err2 := first, error(nil)
	if isRange {
		last, err2 = strconv.ParseUint(hi, 10, 16)
	}
	if err1 != nil || err2 != nil || last < first {
		return nil, fmt.Errorf("EXPOSE %s: invalid port or range: %w", p, errdefs.ErrInvalidArgument)
	}
	var out []string
	for n := first; n <= last; n++ {
		out = append(out, fmt.Sprintf("%d/%s", n, proto))
	}
	return out, nil
}

// workdir resolves a WORKDIR against the previous one.
func workdir(prev, dir string) string {
	if !path.IsAbs(dir) {
		if prev == "" {
			prev = "/"
		}
		dir = path.Join(prev, dir)
	}
	return path.Clean(dir)
}

// commandLine is the argv of a RUN, CMD or ENTRYPOINT: the exec form as
// written, the shell form under the stage's SHELL.
func commandLine(st *state, c instructions.ShellDependantCmdLine) []string {
	if !c.PrependShell {
		return append([]string{}, c.CmdLine...)
	}
	sh := st.cfg.Config.Shell
	if len(sh) == 0 {
		sh = defaultShell
	}
	return append(append([]string{}, sh...), strings.Join(c.CmdLine, " "))
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
