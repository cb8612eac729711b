package imagearchive

import (
	"bytes"
	"context"
	"testing"

	"github.com/hullrt/hull/internal/image"
)

// FuzzLoad feeds Load arbitrary archives: it must never panic, and any
// image it records must resolve from the store it was loaded into.
func FuzzLoad(f *testing.F) {
	src := newStores(f)
	buildImage(f, src, "a:1", tarOf(f, baseLayer), tarOf(f, appLayer))
	var saved bytes.Buffer
	if err := Save(context.Background(), &saved, []string{"a:1"}, src); err != nil {
		f.Fatal(err)
	}
	f.Add(saved.Bytes())
	legacy, _ := legacyArchive(f, tarOf(f, baseLayer), tarOf(f, appLayer))
	f.Add(legacy)
	f.Add(makeArchive(f, entry{name: "../x", body: "x"}))
	f.Add(makeArchive(f, entry{name: "a/layer.tar", link: "../../x"}, entry{name: "manifest.json", body: `[{"Config":"a/layer.tar","Layers":["a/layer.tar"]}]`}))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := newStores(t)
		imgs, err := Load(context.Background(), bytes.NewReader(data), s)
		if err != nil {
			return
		}
		for _, img := range imgs {
			if _, err := image.Resolve(context.Background(), s.Content, img.Target, image.DefaultPlatform()); err != nil && img.ID != "" {
				t.Errorf("loaded %+v does not resolve: %v", img, err)
			}
		}
	})
}
