// Package registry pulls images from and pushes images to registries that
// speak the OCI distribution API (Docker Hub, distribution, Harbor, GHCR…).
// It moves bytes between a registry and hull's content store and names the
// result in the image store; it knows nothing about unpacking or running.
//
// The protocol itself (pings, bearer-token and basic auth, manifest
// negotiation, blob uploads and cross-repository mounts) is
// go-containerregistry's. What is hull's own here is how a pull lands on
// disk:
//
//   - Blobs stream straight into content.Writer, which verifies each digest
//     before the blob becomes visible, so a registry (or a proxy) sending
//     wrong bytes is refused, never stored.
//   - A layer's ingest survives an interrupted pull (cancel, kill -9, a
//     registry gone mid-transfer); the next pull resumes it with an HTTP
//     Range request, or starts it over when the registry ignores Range.
//   - Blobs are committed children first (layers, config, manifest, index),
//     with GC reference labels from each parent to its children, under a
//     content lease held for the whole pull; the image record is written
//     last. So an interrupted pull leaves no image and no half blob, only
//     whole blobs that the next pull skips ("Already exists") or GC frees.
//
// Endpoints: a registry host may have mirrors, tried in order before the
// registry itself, as dockerd's registry-mirrors; a mirror that fails at
// any step hands the pull to the next endpoint. Plain HTTP is allowed for
// loopback hosts (127.0.0.0/8, localhost, ::1) and for hosts listed as
// insecure, as Docker allows it, and refused everywhere else.
//
// Push sends the blobs as stored, so digests survive a round trip. Pull
// labels each blob with the repository it came from
// ("hull.distribution.source.<host>"), which lets a later push to another
// repository of that registry mount the blob instead of uploading it.
//
// Credentials live in Docker's config.json ("auths", base64 user:password),
// so `hull login` and `docker login` share them; see Login and
// ConfigKeychain. Credential helpers are not consulted.
//
// A pull, as the CLI drives it:
//
//	c := &registry.Client{Content: contentStore, Images: imageStore}
//	p := registry.NewPrinter(os.Stdout)
//	img, err := c.Pull(ctx, "busybox", registry.PullOptions{Progress: p.Event})
//	p.Close()
package registry
