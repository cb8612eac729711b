// Package image is hull's knowledge of what an image is, apart from where
// its bytes live: references and their normalisation, the manifest formats
// (OCI and Docker schema 2), platform selection, the image config, and the
// records that give an image a name.
//
// Vocabulary, used the same way across hull:
//
//   - reference: a name a person types, "busybox" or
//     "localhost:5000/a/b@sha256:…", normalised to
//     "docker.io/library/busybox:latest" before it is stored or compared.
//   - index: a list of manifests, one per platform (an OCI image index or a
//     Docker manifest list).
//   - manifest: one platform's image: a config and an ordered list of layers.
//   - config: the image configuration (ocispec.Image): the process defaults,
//     the diff IDs of the uncompressed layers, and the history.
//   - diff ID / chain ID: the digest of an uncompressed layer, and the digest
//     that names a whole stack of layers up to and including that one (the
//     key a snapshotter uses for the unpacked stack).
//   - image ID: the digest of the config, as `docker images` shows it; the
//     short form is its first 12 hex digits.
//   - target: the descriptor an image record points at, a manifest or an
//     index.
//
// The package never fetches or stores blobs itself. It reads them through
// Provider, which the content store implements, so the same code resolves
// images in the local store, in an OCI layout on disk, or in tests from a
// map. Records (Image) live in Store, one JSON file per image, safe for many
// hull processes at once.
//
// A typical use, from a name to the layers to unpack:
//
//	ref, _ := image.ParseNormalized("busybox")
//	img, _ := store.Get(ctx, ref.String())
//	r, _ := image.Resolve(ctx, contentStore, img.Target, image.DefaultPlatform())
//	cfg, _ := image.ReadConfig(ctx, contentStore, r)
//	chain := image.ChainIDs(cfg.RootFS.DiffIDs)
package image
