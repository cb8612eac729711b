package cli_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cp copies into a container that has never run, and what was copied is
// there when it starts.
func TestCpIntoCreatedContainer(t *testing.T) {
	root := engineRoot(t)
	host := t.TempDir()
	greeting := filepath.Join(host, "greeting")
	os.WriteFile(greeting, []byte("hello from the host\n"), 0o600)
	os.Chown(greeting, 1000, 1000)
	run(t, root, "create", "--name", "reader", "busybox", "sh", "-c", "cat /tmp/greeting; stat -c %u:%g /tmp/greeting /tmp/kept")
	run(t, root, "cp", greeting, "reader:/tmp/")
	run(t, root, "cp", "-a", greeting, "reader:/tmp/kept")
	if got := run(t, root, "start", "-a", "reader"); got != "hello from the host\n0:0\n1000:1000" {
		t.Errorf("the copied files in the container: %q (want the container's root as owner, and the host's with -a)", got)
	}
}

// Docker's rules for where a copy lands, out of a container: into an
// existing directory under the source's name, to a new name, a
// directory's contents with "/.", and a tar stream with "-".
func TestCpOutOfContainer(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "--name", "src", "busybox", "sh", "-c", "mkdir -p /data/sub && echo a > /data/a && echo b > /data/sub/b")
	host := t.TempDir()
	read := func(p string) string { b, _ := os.ReadFile(filepath.Join(host, p)); return string(b) }

	run(t, root, "cp", "src:/etc/passwd", host)
	if !strings.HasPrefix(read("passwd"), "root:x:0:0:") {
		t.Errorf("cp CTR:/etc/passwd DIR: %q", read("passwd"))
	}
	run(t, root, "cp", "src:/data/a", filepath.Join(host, "renamed"))
	run(t, root, "cp", "src:/data", filepath.Join(host, "copy"))
	run(t, root, "cp", "src:/data/.", host)
	if read("renamed") != "a\n" || read("copy/sub/b") != "b\n" || read("a") != "a\n" || read("sub/b") != "b\n" {
		t.Errorf("cp to a new name, of a directory, of a directory's contents: %q %q %q %q",
			read("renamed"), read("copy/sub/b"), read("a"), read("sub/b"))
	}
	if msg := fails(t, root, "cp", "src:/data", filepath.Join(host, "a")); !strings.Contains(msg, "cannot copy a directory to a file") {
		t.Errorf("cp of a directory onto a file: %q", msg)
	}
	if msg := fails(t, root, "cp", "src:/nosuch", host); !strings.Contains(msg, "could not find the file /nosuch") {
		t.Errorf("cp of a missing path: %q", msg)
	}
	names := tarNames(t, ok(t, root, "cp", "src:/data", "-"))
	if strings.Join(names, " ") != "data/ data/a data/sub/ data/sub/b" {
		t.Errorf("cp CTR:/data - wrote %v", names)
	}
}

// cp - reads a tar stream into a directory of a running container, and a
// copy into a volume's path lands in the volume.
func TestCpIntoRunningContainerAndVolume(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "-d", "--name", "live", "-v", "vol:/vol", "busybox", "sleep", "1000")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "streamed", Mode: 0o644, Size: 3, Typeflag: tar.TypeReg})
	tw.Write([]byte("hi\n"))
	tw.Close()
	if r := hull(t, root, &buf, "cp", "-", "live:/vol"); r.code != 0 {
		t.Fatalf("cp - CTR:/vol: exit %d: %s", r.code, r.stderr)
	}
	if got := run(t, root, "exec", "live", "cat", "/vol/streamed"); got != "hi" {
		t.Errorf("the streamed file in the container: %q", got)
	}
	data := filepath.Join(root, "volumes", "vol", "_data", "streamed")
	if b, err := os.ReadFile(data); err != nil || string(b) != "hi\n" {
		t.Errorf("the file is not in the volume: %q, %v", b, err)
	}
}

// Paths resolve inside the container: a symlink to "/" or "/etc" planted
// in the container never leads a copy to the host's files.
func TestCpStaysInsideContainer(t *testing.T) {
	root := engineRoot(t)
	run(t, root, "run", "--name", "planted", "busybox", "sh", "-c", "ln -s / /tmp/root; ln -s /etc /tmp/etc")
	passwd := tarFile(t, ok(t, root, "cp", "planted:/tmp/root/etc/passwd", "-"), "passwd")
	if !strings.Contains(passwd, "nobody:x:65534") || strings.Contains(passwd, "systemd") {
		t.Errorf("the container's /etc/passwd through a symlink to /: %q", passwd)
	}
	name := "hull-cp-escape-" + filepath.Base(root)
	src := filepath.Join(t.TempDir(), name)
	os.WriteFile(src, []byte("x"), 0o644)
	run(t, root, "cp", src, "planted:/tmp/etc/")
	if _, err := os.Stat(filepath.Join("/etc", name)); err == nil {
		os.Remove(filepath.Join("/etc", name))
		t.Fatalf("cp through a symlink in the container wrote to the host's /etc")
	}
	if got := tarFile(t, ok(t, root, "cp", "planted:/etc/"+name, "-"), name); got != "x" {
		t.Errorf("the copy is not in the container's /etc: %q", got)
	}
}

// tarNames lists the entries of a tar stream.
func tarNames(t *testing.T, stream string) []string {
	t.Helper()
	var names []string
	tr := tar.NewReader(strings.NewReader(stream))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatalf("reading the tar stream: %v", err)
		}
		names = append(names, hdr.Name)
	}
}

// tarFile returns the content of one entry of a tar stream.
func tarFile(t *testing.T, stream, name string) string {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(stream))
	for {
		hdr, err := tr.Next()
		if err != nil {
			t.Fatalf("no %s in the tar stream: %v", name, err)
		}
		if hdr.Name == name {
			b, _ := io.ReadAll(tr)
			return string(b)
		}
	}
}
