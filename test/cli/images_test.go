package cli_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// `hull images` lists an imported image as docker does, and -q and
// --format print what scripts rely on.
func TestImagesListsImport(t *testing.T) {
	root, id := withBusybox(t, "busybox:1.0")
	out := lines(ok(t, root, "images"))
	if len(out) != 2 {
		t.Fatalf("images printed %d lines, want header and one row:\n%s", len(out), strings.Join(out, "\n"))
	}
	if f := strings.Fields(out[0]); strings.Join(f, " ") != "REPOSITORY TAG IMAGE ID CREATED SIZE" {
		t.Errorf("header = %q", out[0])
	}
	if f := strings.Fields(out[1]); f[0] != "busybox" || f[1] != "1.0" || f[2] != id[7:19] {
		t.Errorf("row = %q, want busybox 1.0 %s …", out[1], id[7:19])
	}
	if got := ok(t, root, "images", "-q"); got != id[7:19]+"\n" {
		t.Errorf("images -q = %q, want the short ID", got)
	}
	if got := ok(t, root, "image", "ls", "--quiet", "--no-trunc"); got != id+"\n" {
		t.Errorf("image ls --quiet --no-trunc = %q, want %s", got, id)
	}
	if got := ok(t, root, "images", "--format", "{{.Repository}}:{{.Tag}}"); got != "busybox:1.0\n" {
		t.Errorf("--format = %q", got)
	}
	if got := ok(t, root, "images", "-qa", "nothing-here"); got != "" {
		t.Errorf("images filtered to another repository = %q, want nothing", got)
	}
}

// tag adds a name for the same image; rmi untags one name at a time and
// says Deleted only when the last goes.
func TestTagAndRmi(t *testing.T) {
	root, id := withBusybox(t, "busybox")
	ok(t, root, "tag", "busybox", "example.com/team/app:v2")
	if got := ok(t, root, "images", "--format", "{{.Repository}} {{.Tag}} {{.ID}}"); !strings.Contains(got, "example.com/team/app v2 "+id[7:19]) {
		t.Errorf("images after tag:\n%s", got)
	}
	if msg := fails(t, root, "rmi", id[7:19]); !strings.Contains(msg, "must be forced") {
		t.Errorf("rmi of an ID with two names: %q", msg)
	}
	if got := ok(t, root, "rmi", "example.com/team/app:v2"); got != "Untagged: example.com/team/app:v2\n" {
		t.Errorf("rmi of one of two names printed %q", got)
	}
	want := "Untagged: busybox:latest\nDeleted: " + id + "\n"
	if got := ok(t, root, "rmi", "busybox"); got != want {
		t.Errorf("rmi of the last name printed %q, want %q", got, want)
	}
	if got := ok(t, root, "images", "-q"); got != "" {
		t.Errorf("images after rmi: %q", got)
	}
}

// rmi -f of an ID removes every name.
func TestRmiForceByID(t *testing.T) {
	root, id := withBusybox(t, "a")
	ok(t, root, "tag", "a", "b")
	got := ok(t, root, "rmi", "-f", id[7:19])
	if want := "Untagged: a:latest\nUntagged: b:latest\nDeleted: " + id + "\n"; got != want {
		t.Errorf("rmi -f ID printed %q, want %q", got, want)
	}
}

// Errors are one line and exit 125.
func TestErrors(t *testing.T) {
	root := t.TempDir()
	if msg := fails(t, root, "image", "inspect", "nosuch"); msg != "hull: no such image: nosuch\n" {
		t.Errorf("inspect of an unknown image: %q", msg)
	}
	if msg := fails(t, root, "rmi", "nosuch"); msg != "hull: no such image: nosuch\n" {
		t.Errorf("rmi of an unknown image: %q", msg)
	}
	if msg := fails(t, root, "pull", "Bad/Ref"); !strings.Contains(msg, "invalid reference format") {
		t.Errorf("pull of a bad reference: %q", msg)
	}
	fails(t, root, "images", "--nosuchflag")
	fails(t, root, "nosuchcommand")
}

// --help prints usage and succeeds; --version names hull.
func TestHelpAndVersion(t *testing.T) {
	root := t.TempDir()
	if out := ok(t, root, "images", "--help"); !strings.Contains(out, "Usage:  hull images") || !strings.Contains(out, "-q, --quiet") {
		t.Errorf("images --help:\n%s", out)
	}
	if out := ok(t, root, "help"); !strings.Contains(out, "pull") {
		t.Errorf("help:\n%s", out)
	}
	if out := ok(t, root, "--version"); !strings.HasPrefix(out, "hull version ") {
		t.Errorf("--version: %q", out)
	}
}

// history shows the import step, newest first, with the image ID on it.
func TestHistory(t *testing.T) {
	root, id := withBusybox(t, "busybox")
	out := lines(ok(t, root, "history", "busybox"))
	if len(out) != 2 || !strings.HasPrefix(out[0], "IMAGE") || !strings.HasPrefix(out[1], id[7:19]) {
		t.Fatalf("history:\n%s", strings.Join(out, "\n"))
	}
	if !strings.Contains(out[1], "from busybox") {
		t.Errorf("history lacks import's -m comment: %q", out[1])
	}
	if got := ok(t, root, "history", "-q", "--no-trunc", "busybox"); got != id+"\n" {
		t.Errorf("history -q --no-trunc = %q", got)
	}
	if got := ok(t, root, "history", "--format", "{{.Comment}}", "busybox"); got != "from busybox\n" {
		t.Errorf("history --format = %q", got)
	}
}

// image inspect prints a JSON array with docker's fields.
func TestImageInspect(t *testing.T) {
	root, id := withBusybox(t, "busybox")
	var got []struct {
		Id, Created, Architecture, Os string
		RepoTags, RepoDigests         []string
		Size                          int64
		Config                        struct{ Cmd []string }
		RootFS                        struct {
			Type   string
			Layers []string
		}
	}
	if err := json.Unmarshal([]byte(ok(t, root, "image", "inspect", "busybox")), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("inspect returned %d images", len(got))
	}
	g := got[0]
	if g.Id != id || len(g.RepoTags) != 1 || g.RepoTags[0] != "busybox:latest" || g.Os != "linux" ||
		g.Architecture == "" || g.Created == "" || g.Size <= 0 {
		t.Errorf("inspect = %+v", g)
	}
	if len(g.Config.Cmd) != 1 || g.Config.Cmd[0] != "sh" || g.RootFS.Type != "layers" || len(g.RootFS.Layers) != 1 {
		t.Errorf("inspect Config/RootFS = %+v %+v", g.Config, g.RootFS)
	}
	if out := ok(t, root, "image", "inspect", "-f", "{{.Id}}", "busybox"); out != id+"\n" {
		t.Errorf("inspect -f = %q", out)
	}
}

// import applies --change instructions written as in a Dockerfile.
func TestImportChanges(t *testing.T) {
	root, _ := withBusybox(t, "base")
	ok(t, root, "import", "-c", `ENTRYPOINT ["/bin/sh", "-c"]`, "-c", "ENV A=1 B=\"two words\"",
		"-c", "WORKDIR /tmp", "-c", "USER nobody", "-c", "LABEL x=y", busyboxTar, "changed")
	got := ok(t, root, "image", "inspect", "--format", "{{json .Config}}", "changed")
	for _, want := range []string{`"Entrypoint":["/bin/sh","-c"]`, `"A=1"`, `"B=two words"`, `"WorkingDir":"/tmp"`, `"User":"nobody"`, `"x":"y"`} {
		if !strings.Contains(got, want) {
			t.Errorf("config %s lacks %s", got, want)
		}
	}
	if msg := fails(t, root, "import", "-c", "EXPOSE 80", busyboxTar, "x"); !strings.Contains(msg, "EXPOSE") {
		t.Errorf("unsupported change: %q", msg)
	}
}

// system df counts the image; prune without -f and no terminal refuses.
func TestDiskUsageAndPrune(t *testing.T) {
	root, _ := withBusybox(t, "busybox")
	out := lines(ok(t, root, "system", "df"))
	if len(out) < 2 || !strings.HasPrefix(out[1], "Images") || strings.Fields(out[1])[1] != "1" {
		t.Errorf("system df:\n%s", strings.Join(out, "\n"))
	}
	r := hull(t, root, strings.NewReader("y\n"), "image", "prune")
	if r.code != 125 || !strings.Contains(r.stdout, "Are you sure") {
		t.Errorf("prune without -f or terminal: exit %d, %q %q", r.code, r.stdout, r.stderr)
	}
	if got := ok(t, root, "image", "prune", "-f"); !strings.HasPrefix(got, "Total reclaimed space: ") {
		t.Errorf("prune -f: %q", got)
	}
	if got := ok(t, root, "images", "-q"); got == "" {
		t.Error("prune without -a removed a named image")
	}
}

// tag and pull name what is missing in one line.
func TestMissingImages(t *testing.T) {
	root := t.TempDir()
	if msg := fails(t, root, "tag", "nosuch", "other"); msg != "hull: no such image: nosuch\n" {
		t.Errorf("tag of an unknown image: %q", msg)
	}
	if msg := fails(t, root, "history", "nosuch"); msg != "hull: no such image: nosuch\n" {
		t.Errorf("history of an unknown image: %q", msg)
	}
	if registry == "" {
		return
	}
	if msg := fails(t, root, "pull", registry+"/cli/nosuch:1"); !strings.Contains(msg, "unknown") {
		t.Errorf("pull of an image the registry lacks: %q", msg)
	}
}

// --filter reference= takes Docker's globs; label= reads the config's
// labels; a filter hull does not know is one clear error.
func TestImagesFilter(t *testing.T) {
	root, _ := withBusybox(t, "busybox")
	ok(t, root, "import", "--change", "LABEL team=web", busyboxTar, "example.com/web/app:v1")
	f := "{{.Repository}}:{{.Tag}}"
	if got := ok(t, root, "images", "--format", f, "--filter", "reference=example.com/*/*"); got != "example.com/web/app:v1\n" {
		t.Errorf("reference glob: %q", got)
	}
	if got := ok(t, root, "images", "--format", f, "-f", "reference=busybox:latest"); got != "busybox:latest\n" {
		t.Errorf("reference with tag: %q", got)
	}
	if got := ok(t, root, "images", "--format", f, "--filter", "label=team=web"); got != "example.com/web/app:v1\n" {
		t.Errorf("label: %q", got)
	}
	if got := ok(t, root, "images", "-q", "--filter", "dangling=true"); got != "" {
		t.Errorf("dangling=true lists %q; hull keeps no untagged images", got)
	}
	if msg := fails(t, root, "images", "--filter", "color=red"); !strings.Contains(msg, "invalid filter") {
		t.Errorf("unknown filter: %q", msg)
	}
}
