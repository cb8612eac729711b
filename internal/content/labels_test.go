package content

import (
	"context"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/hullrt/hull/internal/errdefs"
)

func TestLabelsSurviveReopen(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	dgst := put(t, s, []byte("manifest"), digest.SHA256, map[string]string{LabelGCRoot: "now", "keep": "me"})
	if err := s.SetLabels(ctx, dgst, map[string]string{"added": "later", "keep": ""}); err != nil {
		t.Fatal(err)
	}

	s2, err := NewLocal(s.Root())
	if err != nil {
		t.Fatal(err)
	}
	labels, err := s2.Labels(ctx, dgst)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{LabelGCRoot: "now", "added": "later"}
	if len(labels) != len(want) || labels[LabelGCRoot] != "now" || labels["added"] != "later" {
		t.Fatalf("labels after reopen = %v, want %v", labels, want)
	}
	var walked []Info
	s2.Walk(ctx, func(i Info) error { walked = append(walked, i); return nil })
	if len(walked) != 1 || walked[0].Labels["added"] != "later" {
		t.Fatalf("Walk = %+v", walked)
	}
}

func TestLabelsOfMissingBlob(t *testing.T) {
	s := newStore(t)
	err := s.SetLabels(context.Background(), digest.FromString("absent"), map[string]string{"a": "b"})
	if !errdefs.IsNotFound(err) {
		t.Fatalf("SetLabels on a missing blob = %v", err)
	}
}

func TestRemovingAllLabelsRemovesFile(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	dgst := put(t, s, []byte("x"), digest.SHA256, map[string]string{"a": "1"})
	if err := s.SetLabels(ctx, dgst, map[string]string{"a": ""}); err != nil {
		t.Fatal(err)
	}
	if got := files(t, s.Root()+"/labels"); len(got) != 0 {
		t.Fatalf("labels/ holds %v", got)
	}
}
