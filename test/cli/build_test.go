package cli_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildContext writes files (name → content) into a fresh context
// directory.
func buildContext(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// buildFails runs hull build, expects Docker's exit status 1 and returns
// what it printed.
func buildFails(t *testing.T, root string, stdin *strings.Reader, args ...string) result {
	t.Helper()
	var r result
	if stdin != nil {
		r = hull(t, root, stdin, append([]string{"build"}, args...)...)
	} else {
		r = hull(t, root, nil, append([]string{"build"}, args...)...)
	}
	if r.code != 1 {
		t.Fatalf("hull build %v: exit %d, want 1\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
	}
	return r
}

// assertNoBuildLeftovers fails the test if a build left a mount, a work
// directory, an unpacked context, a step's snapshot or a RUN container's
// state under root.
func assertNoBuildLeftovers(t *testing.T, root string) {
	t.Helper()
	if ms := mountsUnder(root); len(ms) > 0 {
		t.Errorf("mounts left: %v", ms)
	}
	for _, d := range []string{"work", "tmp"} {
		if ents, _ := os.ReadDir(filepath.Join(root, "build", d)); len(ents) > 0 {
			t.Errorf("build/%s has entries left: %v", d, ents)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(root, "exec", "build"))
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), "#") {
			t.Errorf("RUN container state left: %s", e.Name())
		}
	}
	for _, s := range snapshotNames(t, root) {
		if strings.HasPrefix(s, "build-") && !strings.HasPrefix(s, "build-hold-") {
			t.Errorf("step snapshot left: %s", s)
		}
	}
}

// snapshotNames reads the snapshotter's metadata, as a person would look.
func snapshotNames(t *testing.T, root string) []string {
	t.Helper()
	var names []string
	for _, f := range []string{"metadata.json", "volatile.json"} {
		b, err := os.ReadFile(filepath.Join(root, "snapshots", f))
		if err != nil {
			continue
		}
		var md struct {
			Snapshots map[string]json.RawMessage `json:"snapshots"`
		}
		if err := json.Unmarshal(b, &md); err != nil {
			t.Fatalf("reading %s: %v", f, err)
		}
		for n := range md.Snapshots {
			names = append(names, n)
		}
	}
	return names
}

func TestBuildMultiStage(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{
		"app/main.txt":  "main\n",
		"app/lib/x.txt": "x\n",
		"app/skip.log":  "ignored\n",
		"notes.md":      "ignored too\n",
		".dockerignore": "*.md\napp/*.log\n",
		"Dockerfile": `ARG BASE=busybox
FROM ${BASE} AS builder
ARG WHO=nobody
ENV GREETING=hello
WORKDIR /src
COPY app/ ./
RUN echo "$GREETING $WHO" > greeting && echo "built in $(pwd)" && ls -R /src

FROM busybox
LABEL org.example.stage=final
EXPOSE 8080
COPY --from=builder /src /app
COPY --chown=1000:1000 --chmod=640 app/main.txt /owned.txt
USER 1000
CMD ["cat", "/app/greeting"]
`,
	})
	out := ok(t, root, "build", "-t", "multi:1", "-t", "multi:alias", "--build-arg", "WHO=world", dir)
	for _, want := range []string{
		"Step 1/13 : FROM ${BASE} AS builder\n",
		"built in /src\n",
		"Step 13/13 : CMD [\"cat\", \"/app/greeting\"]\n",
		"Successfully tagged multi:1\n",
		"Successfully tagged multi:alias\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "skip.log") {
		t.Errorf("a file .dockerignore excludes reached the image:\n%s", out)
	}
	if !regexp.MustCompile(`(?m)^Successfully built [0-9a-f]{12}$`).MatchString(out) {
		t.Errorf("no 'Successfully built ID' line:\n%s", out)
	}
	if got := run(t, root, "run", "--rm", "--network", "none", "multi:1"); got != "hello world" {
		t.Errorf("run multi:1 printed %q, want %q", got, "hello world")
	}
	got := run(t, root, "run", "--rm", "--network", "none", "multi:alias", "sh", "-c",
		"id -u; stat -c '%u:%g %a' /owned.txt; ls /app; ls /app/lib; test -e /notes.md || echo no-notes")
	if want := "1000\n1000:1000 640\ngreeting\nlib\nmain.txt\nx.txt\nno-notes"; got != want {
		t.Errorf("image contents:\n%s\nwant:\n%s", got, want)
	}
	labels := inspectImage(t, root, "multi:1", "{{json .Config.Labels}} {{json .Config.ExposedPorts}} {{.Config.User}}")
	if want := `{"org.example.stage":"final"} {"8080/tcp":{}} 1000`; labels != want {
		t.Errorf("config: %s, want %s", labels, want)
	}
	assertNoBuildLeftovers(t, root)
}

// inspectImage formats an image's inspect output.
func inspectImage(t *testing.T, root, img, tmpl string) string {
	t.Helper()
	return strings.TrimSpace(ok(t, root, "image", "inspect", "--format", tmpl, img))
}

func TestBuildCache(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{
		"one.txt": "1\n",
		"two.txt": "2\n",
		"Dockerfile": `FROM busybox
ENV A=1
RUN echo step3 > /s3
COPY one.txt /one.txt
RUN cat /one.txt > /copy1
WORKDIR /w
COPY two.txt .
RUN cat two.txt > /copy2 && echo ran-step8
LABEL x=y
CMD ["sh"]
`,
	})
	first := ok(t, root, "build", "-t", "cached", dir)
	start := time.Now()
	second := ok(t, root, "build", "-t", "cached", dir)
	t.Logf("fully cached 10-step rebuild: %v", time.Since(start))
	if n := strings.Count(second, " ---> Using cache\n"); n != 9 {
		t.Errorf("rebuild used the cache for %d steps, want 9:\n%s", n, second)
	}
	if strings.Contains(second, "\nran-step8\n") {
		t.Errorf("a cached RUN ran again:\n%s", second)
	}
	if builtID(t, first) != builtID(t, second) {
		t.Errorf("the unchanged rebuild made another image: %s then %s", builtID(t, first), builtID(t, second))
	}
	// A new mtime alone changes nothing; new content rebuilds from its
	// COPY on.
	later := time.Now().Add(time.Hour)
	os.Chtimes(filepath.Join(dir, "one.txt"), later, later)
	if out := ok(t, root, "build", dir); strings.Count(out, " ---> Using cache\n") != 9 {
		t.Errorf("touching a copied file invalidated the cache:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "two.txt"), []byte("22\n"), 0o644)
	third := ok(t, root, "build", "-t", "cached", dir)
	steps := strings.Split(third, "Step ")
	for i, s := range steps[1:] {
		cached := strings.Contains(s, "Using cache")
		if want := i+1 >= 2 && i+1 <= 6; cached != want {
			t.Errorf("step %d: cached=%v, want %v:\n%s", i+1, cached, want, third)
		}
	}
	if got := run(t, root, "run", "--rm", "--network", "none", "cached", "cat", "/copy2"); got != "22" {
		t.Errorf("/copy2 = %q after the change", got)
	}
	noCache := ok(t, root, "build", "--no-cache", dir)
	if strings.Contains(noCache, "Using cache") || !strings.Contains(noCache, "\nran-step8\n") {
		t.Errorf("--no-cache used the cache:\n%s", noCache)
	}
	assertNoBuildLeftovers(t, root)
}

func builtID(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`Successfully built ([0-9a-f]{12})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no image ID in:\n%s", out)
	}
	return m[1]
}

func TestBuildFailingRun(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo to-stdout; echo to-stderr >&2; exit 3\nCMD true\n"})
	r := buildFails(t, root, nil, "-t", "broken", dir)
	if !strings.Contains(r.stdout, "to-stdout\n") || !strings.Contains(r.stdout, "to-stderr\n") {
		t.Errorf("the step's output is not shown:\n%s", r.stdout)
	}
	want := "hull: step 2/3 : RUN echo to-stdout; echo to-stderr >&2; exit 3: The command '/bin/sh -c echo to-stdout; echo to-stderr >&2; exit 3' returned a non-zero code: 3\n"
	if r.stderr != want {
		t.Errorf("stderr:\n%q\nwant:\n%q", r.stderr, want)
	}
	if r := hull(t, root, nil, "image", "inspect", "broken"); r.code == 0 {
		t.Errorf("a failed build tagged its image")
	}
	// -q shows the output only when the step fails.
	r = buildFails(t, root, nil, "-q", dir)
	if !strings.Contains(r.stderr, "to-stdout") || r.stdout != "" {
		t.Errorf("-q: stdout %q, stderr %q", r.stdout, r.stderr)
	}
	assertNoBuildLeftovers(t, root)
}

func TestBuildBadInput(t *testing.T) {
	root := engineRoot(t)
	for _, c := range []struct{ dockerfile, want string }{
		{"FROM busybox\nRUN true\n\nFROBNICATE x\n", "hull: Dockerfile:4: unknown instruction: FROBNICATE"},
		{"RUN true\n", "hull: Dockerfile:1: no build stage in current context"},
		{"FROM busybox\nCOPY missing.txt /\n", `hull: step 2/2 : COPY missing.txt /: COPY failed: "missing.txt" not found in the build context`},
		{"FROM busybox\nCOPY a.txt b.txt /dest\n", "the destination must be a directory and end with a /"},
		{"FROM busybox\nADD https://example.com/f /f\n", "hull builds offline"},
		{"FROM not-in-store\n", `image "not-in-store" is not in hull's store`},
		{"FROM busybox\nCOPY --from=nostage /x /x\n", "--from=nostage: not a stage before this one nor an image in the store"},
	} {
		dir := buildContext(t, map[string]string{"Dockerfile": c.dockerfile, "a.txt": "a", "b.txt": "b"})
		r := buildFails(t, root, nil, "-t", "bad", dir)
		if !strings.HasPrefix(r.stderr, "hull: ") || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%q: stderr %q, want it to contain %q", c.dockerfile, r.stderr, c.want)
		}
	}
	if r := hull(t, root, nil, "image", "inspect", "bad"); r.code == 0 {
		t.Errorf("a failed build tagged its image")
	}
	assertNoBuildLeftovers(t, root)
}

func TestBuildStdinAndTarball(t *testing.T) {
	root := engineRoot(t)
	// A Dockerfile on stdin has an empty context. RUN has lo up without
	// a network, as in Docker.
	r := hull(t, root, strings.NewReader("FROM busybox\nRUN echo from-stdin > /f && ip addr show lo | grep -q 'inet 127.0.0.1'\n"), "build", "-t", "stdin", "-")
	if r.code != 0 {
		t.Fatalf("build -: exit %d: %s", r.code, r.stderr)
	}
	if got := run(t, root, "run", "--rm", "--network", "none", "stdin", "cat", "/f"); got != "from-stdin" {
		t.Errorf("/f = %q", got)
	}
	// A tarball is a context, on stdin or as a file; ADD unpacks a tar
	// from it.
	var inner bytes.Buffer
	writeTar(t, &inner, map[string]string{"etc/unpacked": "yes\n"})
	var ctx bytes.Buffer
	writeTar(t, &ctx, map[string]string{
		"Dockerfile": "FROM busybox\nADD layer.tar /opt/\nCOPY hello /hello\n",
		"layer.tar":  inner.String(),
		"hello":      "hi\n",
	})
	r = hull(t, root, bytes.NewReader(ctx.Bytes()), "build", "-q", "-t", "tarctx", "-")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sha256:") {
		t.Fatalf("build - (tar): exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if got := run(t, root, "run", "--rm", "--network", "none", "tarctx", "cat", "/opt/etc/unpacked", "/hello"); got != "yes\nhi" {
		t.Errorf("contents = %q", got)
	}
	file := filepath.Join(t.TempDir(), "ctx.tar")
	os.WriteFile(file, ctx.Bytes(), 0o644)
	iid := filepath.Join(t.TempDir(), "iid")
	ok(t, root, "build", "--iidfile", iid, "-t", "tarfile", file)
	b, _ := os.ReadFile(iid)
	if string(b) != strings.TrimSpace(r.stdout) {
		t.Errorf("--iidfile %q, want the same image as before %q", b, r.stdout)
	}
	assertNoBuildLeftovers(t, root)
}

func writeTar(t *testing.T, w *bytes.Buffer, files map[string]string) {
	t.Helper()
	tw := tar.NewWriter(w)
	for name, body := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(1e9, 0)})
		tw.Write([]byte(body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestBuildTargetAndSave(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{"Dockerfile": `FROM busybox AS first
RUN echo first > /which
FROM first AS second
RUN echo second > /which && rm /etc/group
FROM busybox
RUN false
`})
	out := ok(t, root, "build", "--target", "second", "-t", "tgt", dir)
	if !strings.Contains(out, "Step 4/4") {
		t.Errorf("--target built past its stage:\n%s", out)
	}
	if got := run(t, root, "run", "--rm", "--network", "none", "tgt", "cat", "/which"); got != "second" {
		t.Errorf("/which = %q", got)
	}
	// The image leaves with hull save and comes back with hull load.
	tarball := filepath.Join(t.TempDir(), "tgt.tar")
	ok(t, root, "save", "-o", tarball, "tgt")
	other := engineRoot(t)
	ok(t, other, "load", "-i", tarball)
	// The deletion is a whiteout in the step's layer, and survives too.
	if got := run(t, other, "run", "--rm", "--network", "none", "tgt", "sh", "-c", "cat /which; test -e /etc/group || echo deleted"); got != "second\ndeleted" {
		t.Errorf("after save and load: %q", got)
	}
}

func TestBuildInterruptAndKill(t *testing.T) {
	root := engineRoot(t)
	// A tarball context, which the build unpacks into a directory of its
	// own that must go too.
	var ctx bytes.Buffer
	writeTar(t, &ctx, map[string]string{"Dockerfile": "FROM busybox\nRUN echo started; exec sleep 6061\n"})
	tarball := filepath.Join(t.TempDir(), "ctx.tar")
	os.WriteFile(tarball, ctx.Bytes(), 0o644)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		cmd := exec.Command(hullBin, "--root", root, "build", "-t", "never", tarball)
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the RUN step to start", func() bool { return strings.Contains(out.String(), "\nstarted\n") })
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		if err == nil {
			t.Fatalf("%v: build succeeded", sig)
		}
		if sig == syscall.SIGKILL {
			// What the killed build left, the next prune sweeps.
			ok(t, root, "builder", "prune", "-f")
		} else if !strings.Contains(out.String(), "interrupted") {
			t.Errorf("%v: output does not say the build was interrupted:\n%s", sig, out.String())
		}
		t.Logf("after %v:\n%s", sig, out.String())
		assertNoBuildLeftovers(t, root)
		if pids, _ := exec.Command("pgrep", "-f", "sleep 6061").Output(); len(pids) > 0 {
			t.Errorf("%v: the step's process is still running: %s", sig, pids)
		}
		if r := hull(t, root, nil, "image", "inspect", "never"); r.code == 0 {
			t.Errorf("%v: an interrupted build tagged its image", sig)
		}
	}
}

// lockedBuffer is a bytes.Buffer a command writes while the test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestBuilderPrune(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{"f": "f\n", "Dockerfile": "FROM busybox\nCOPY f /f\nRUN echo x > /x\n"})
	ok(t, root, "build", "-t", "kept", dir)
	ok(t, root, "build", "-f", filepath.Join(dir, "Dockerfile"), "--build-arg", "UNUSED=1", "--label", "a=b", dir)
	out := ok(t, root, "builder", "prune", "-a", "-f")
	if !strings.Contains(out, "Deleted build cache objects: 2\n") {
		t.Errorf("builder prune -a:\n%s", out)
	}
	if ents, _ := os.ReadDir(filepath.Join(root, "build", "cache")); len(ents) != 0 {
		t.Errorf("cache entries left after prune -a: %d", len(ents))
	}
	for _, s := range snapshotNames(t, root) {
		if strings.HasPrefix(s, "build-") {
			t.Errorf("snapshot %s left after prune -a", s)
		}
	}
	labels, _ := filepath.Glob(filepath.Join(root, "content", "labels", "*", "*.json"))
	for _, l := range labels {
		if b, _ := os.ReadFile(l); strings.Contains(string(b), "build-cache") {
			t.Errorf("a blob is still a build cache root after prune -a: %s", filepath.Base(l))
		}
	}
	// The tagged image is not cache: it still runs.
	if got := run(t, root, "run", "--rm", "--network", "none", "kept", "cat", "/f", "/x"); got != "f\nx" {
		t.Errorf("kept image: %q", got)
	}
	// system prune takes the build cache too.
	out = ok(t, root, "build", "-t", "kept", dir)
	if !strings.Contains(out, "Step 3/3") || strings.Contains(out, "Using cache") {
		t.Errorf("rebuild after prune -a:\n%s", out)
	}
	ok(t, root, "rmi", "kept")
	if out := ok(t, root, "system", "prune", "-f"); !strings.Contains(out, "Deleted build cache objects: 2") {
		t.Errorf("system prune:\n%s", out)
	}
}

func TestBuildHeredocsOnbuildHealthcheck(t *testing.T) {
	root := engineRoot(t)
	base := buildContext(t, map[string]string{"Dockerfile": `FROM busybox
ARG NAME=world
COPY <<EOF /hello
hello ${NAME}
EOF
RUN <<EOF
echo from-heredoc > /script
EOF
HEALTHCHECK --interval=5s CMD test -e /hello
ONBUILD RUN echo triggered > /onbuild
STOPSIGNAL SIGQUIT
`})
	ok(t, root, "build", "-t", "base", base)
	if got := run(t, root, "run", "--rm", "--network", "none", "base", "cat", "/hello", "/script"); got != "hello world\nfrom-heredoc" {
		t.Errorf("heredoc files: %q", got)
	}
	cfg := savedConfig(t, root, "base")
	if len(cfg.Config.OnBuild) != 1 || cfg.Config.Healthcheck == nil || cfg.Config.StopSignal != "SIGQUIT" {
		t.Errorf("base config: OnBuild %v, Healthcheck %v, StopSignal %q", cfg.Config.OnBuild, cfg.Config.Healthcheck, cfg.Config.StopSignal)
	}
	child := buildContext(t, map[string]string{"Dockerfile": "FROM base\nRUN cat /onbuild\n"})
	out := ok(t, root, "build", "-t", "child", child)
	if !strings.Contains(out, "# Executing 1 build trigger(s)\n") || !strings.Contains(out, "\ntriggered\n") {
		t.Errorf("the base's ONBUILD trigger did not run:\n%s", out)
	}
	if cfg := savedConfig(t, root, "child"); len(cfg.Config.OnBuild) != 0 || cfg.Config.Healthcheck == nil {
		t.Errorf("child config: OnBuild %v (want none), Healthcheck %v (inherited)", cfg.Config.OnBuild, cfg.Config.Healthcheck)
	}
}

// imageConfig is the part of an image config these tests read, Docker's
// fields included.
type imageConfig struct {
	Config struct {
		OnBuild     []string
		Healthcheck *struct{ Test []string }
		StopSignal  string
	} `json:"config"`
}

// savedConfig reads an image's config as `hull save` exports it.
func savedConfig(t *testing.T, root, img string) imageConfig {
	t.Helper()
	r := hull(t, root, nil, "save", img)
	if r.code != 0 {
		t.Fatalf("save %s: %s", img, r.stderr)
	}
	var manifest []struct{ Config string }
	if err := json.Unmarshal([]byte(tarFile(t, r.stdout, "manifest.json")), &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json: %v", err)
	}
	var cfg imageConfig
	if err := json.Unmarshal([]byte(tarFile(t, r.stdout, manifest[0].Config)), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// Builds in several processes share one root and its cache.
func TestBuildConcurrent(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{
		"f":          "f\n",
		"Dockerfile": "FROM busybox\nCOPY f /f\nRUN cat /f > /g\nRUN echo $RANDOM > /r\nCMD [\"cat\", \"/g\"]\n",
	})
	var wg sync.WaitGroup
	results := make([]result, 4)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = hull(t, root, nil, "build", "-q", "-t", "conc:"+strconv.Itoa(i), dir)
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("build %d: exit %d: %s", i, r.code, r.stderr)
		}
		if got := run(t, root, "run", "--rm", "--network", "none", "conc:"+strconv.Itoa(i)); got != "f" {
			t.Errorf("conc:%d printed %q", i, got)
		}
	}
	assertNoBuildLeftovers(t, root)
	// Once they are done, a rebuild finds everything cached.
	if out := ok(t, root, "build", dir); strings.Count(out, "Using cache") != 4 {
		t.Errorf("rebuild after concurrent builds:\n%s", out)
	}
}

// A RUN step is a container as Docker's builder makes one: its own pid
// namespace, Docker's default capabilities and a seccomp filter.
func TestBuildRunIsolation(t *testing.T) {
	root := engineRoot(t)
	dir := buildContext(t, map[string]string{"Dockerfile": `FROM busybox
RUN echo "pid=$$"; grep -E '^(CapEff|Seccomp):' /proc/self/status; ip -o link | wc -l
`})
	out := ok(t, root, "build", dir)
	for _, want := range []string{"\npid=1\n", "\nCapEff:\t00000000a80425fb\n", "\nSeccomp:\t2\n", "\n1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("RUN output lacks %q (own pid namespace, Docker's capabilities, seccomp, lo only):\n%s", want, out)
		}
	}
	// --network host shares the host's interfaces (a step of its own: the
	// network is not part of the cache key, as in Docker).
	host := ok(t, root, "build", "--no-cache", "--network", "host", dir)
	if strings.Contains(host, "\n1\n") {
		t.Errorf("--network host: the step saw only lo:\n%s", host)
	}
}
