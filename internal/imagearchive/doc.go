// Package imagearchive moves images between hull's stores and files: the
// docker-archive tarball that `docker save` writes and `docker load` reads,
// and the OCI image layout, as a tarball or a directory.
//
// # Formats
//
// A docker-archive is a tar whose manifest.json lists, per image, the path
// of its config, its RepoTags ("busybox:latest") and the paths of its
// layers, base first. A layer file is the uncompressed tar whose sha256 is
// the config's diff_id; nothing else vouches for it. Before Docker 25 the
// files were <v1 id>/layer.tar (with <v1 id>/json, VERSION and a top-level
// repositories file, all legacy) and <config hex>.json; since Docker 25
// every file is a blob at blobs/sha256/<hex>, and the archive also carries
// oci-layout and index.json, which makes it an OCI image layout too.
//
// An OCI image layout is oci-layout ({"imageLayoutVersion":"1.0.0"}),
// index.json (an image index whose entries are named by annotations) and
// blobs/<alg>/<hex>. Its blobs are kept as they are: compressed layers stay
// compressed, and the media types say so.
//
//	Save           → docker-archive + OCI layout in one tar (as Docker 25+)
//	Load           ← docker-archive (either layout) or OCI layout tar
//	ExportLayout   → OCI layout directory (skopeo's oci:DIR)
//	ImportLayout   ← OCI layout directory
//
// # Trust
//
// An archive is untrusted input. Load never extracts it: the entry points
// are read into memory (bounded), every other file goes straight into the
// content store, which hashes what it writes, and names are only map keys,
// so no entry can write outside the store; ".." in a name is refused all
// the same, and links between entries must stay inside the archive. Every
// blob an image uses is verified — against its blobs/ name, and a
// docker-archive layer against its diff_id — and nothing is recorded until
// every image in the archive has passed. Files nothing refers to are left
// unlabelled in the content store, where GC removes them.
//
// # Names
//
// Each RepoTag, or each index.json entry with a name, becomes an image
// record. An image without a name is loaded as docker does: kept (its
// manifest labelled a GC root, since no record holds it), and returned with
// an empty Name for the caller to report as "Loaded image ID: sha256:…".
package imagearchive
