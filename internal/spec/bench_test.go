package spec

import (
	"os"
	"testing"
)

// BenchmarkGenerate measures the configuration of a plain `hull run`
// container with a user from the image's /etc/passwd: Generate runs once
// per container start.
func BenchmarkGenerate(b *testing.B) {
	root := b.TempDir()
	if err := os.MkdirAll(root+"/etc", 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(root+"/etc/passwd", []byte(testPasswd), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(root+"/etc/group", []byte(testGroup), 0o644); err != nil {
		b.Fatal(err)
	}
	opts := Options{ID: testID, RootfsPath: root, User: "alice", Memory: 64 << 20, Env: []string{"A=1"}}
	for b.Loop() {
		if _, err := Generate(busyboxImage, &opts); err != nil {
			b.Fatal(err)
		}
	}
}
