package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// TestMain lets the test binary double as a second hull process: with
// putterEnv set it stores images and exits instead of running tests.
func TestMain(m *testing.M) {
	if spec := os.Getenv(putterEnv); spec != "" {
		if err := runPutter(spec); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const putterEnv = "HULL_IMAGE_TEST_PUTTER"

// runPutter stores count images named <prefix>-<i>, plus the shared name
// "contended" each time, in the store at dir; spec is "dir,prefix,count".
func runPutter(spec string) error {
	parts := strings.Split(spec, ",")
	if len(parts) != 3 {
		return fmt.Errorf("bad spec %q", spec)
	}
	count, err := strconv.Atoi(parts[2])
	if err != nil {
		return err
	}
	s, err := NewStore(parts[0])
	if err != nil {
		return err
	}
	ctx := context.Background()
	for i := range count {
		for _, name := range []string{fmt.Sprintf("%s-%d", parts[1], i), "contended"} {
			if _, err := s.Put(ctx, record(name, parts[1]+strconv.Itoa(i))); err != nil {
				return err
			}
		}
	}
	return nil
}

// record is an image record whose target and ID derive from seed.
func record(name, seed string) Image {
	return Image{
		Name:   name,
		Target: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageIndex, Digest: digest.FromString("index " + seed), Size: 100},
		ID:     digest.FromString("config " + seed),
	}
}

func TestStorePutGetListDelete(t *testing.T) {
	ctx := context.Background()
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return clock }

	img := record("busybox", "one")
	img.Labels = map[string]string{"io.hull.pulled-from": "local"}
	stored, err := s.Put(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "docker.io/library/busybox:latest" || !stored.CreatedAt.Equal(clock) {
		t.Errorf("stored %+v", stored)
	}
	got, err := s.Get(ctx, "docker.io/library/busybox:latest")
	if err != nil || got.Target.Digest != img.Target.Digest || got.Labels["io.hull.pulled-from"] != "local" {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	// Replacing keeps the creation time; tagging is a Put of another name.
	clock = clock.Add(time.Hour)
	if stored, err = s.Put(ctx, record("busybox:latest", "two")); err != nil {
		t.Fatal(err)
	}
	if !stored.CreatedAt.Equal(clock.Add(-time.Hour)) || !stored.UpdatedAt.Equal(clock) {
		t.Errorf("times after replace: %v %v", stored.CreatedAt, stored.UpdatedAt)
	}
	tagged := stored
	tagged.Name = "localhost:5000/mine:v1"
	if _, err := s.Put(ctx, tagged); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "docker.io/library/busybox:latest" || list[1].Target.Digest != list[0].Target.Digest {
		t.Fatalf("List = %+v", list)
	}

	if err := s.Delete(ctx, "busybox"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "busybox"); !errdefs.IsNotFound(err) || !strings.Contains(err.Error(), "busybox:latest") {
		t.Errorf("Get after Delete: %v", err)
	}
	if err := s.Delete(ctx, "busybox"); !errdefs.IsNotFound(err) {
		t.Errorf("second Delete: %v", err)
	}
	if list, _ = s.List(ctx); len(list) != 1 {
		t.Errorf("List after Delete = %+v", list)
	}
}

func TestStoreRefuses(t *testing.T) {
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good := record("busybox", "x")
	bad := map[string]func(*Image){
		"bad name":   func(i *Image) { i.Name = "Busybox" },
		"bad digest": func(i *Image) { i.Target.Digest = "sha256:123" },
		"layer":      func(i *Image) { i.Target.MediaType = ocispec.MediaTypeImageLayerGzip },
		"no size":    func(i *Image) { i.Target.Size = 0 },
		"bad id":     func(i *Image) { i.ID = "nope" },
	}
	for name, change := range bad {
		img := good
		change(&img)
		if _, err := s.Put(context.Background(), img); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("%s: Put = %v, want invalid argument", name, err)
		}
	}
	if list, _ := s.List(context.Background()); len(list) != 0 {
		t.Errorf("refused records were stored: %+v", list)
	}
}

// TestStoreTwoProcesses runs two processes putting different names, and one
// name both fight over, at the same time; every record must survive whole.
func TestStoreTwoProcesses(t *testing.T) {
	dir := t.TempDir()
	const count = 40
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, prefix := range []string{"first", "second"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s,%s,%d", putterEnv, dir, prefix, count))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("%s: %v: %s", prefix, err, out)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	s, _ := NewStore(dir)
	list, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2*count+1 {
		t.Errorf("%d records, want %d", len(list), 2*count+1)
	}
	for _, prefix := range []string{"first", "second"} {
		for i := range count {
			if _, err := s.Get(context.Background(), fmt.Sprintf("%s-%d", prefix, i)); err != nil {
				t.Error(err)
			}
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestStoreGoroutines(t *testing.T) {
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Put(context.Background(), record(fmt.Sprintf("img-%d", i), strconv.Itoa(i))); err != nil {
				t.Error(err)
			}
			if _, err := s.List(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if list, _ := s.List(context.Background()); len(list) != 16 {
		t.Errorf("%d records, want 16", len(list))
	}
}
