package image

import (
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/hullrt/hull/internal/errdefs"
)

// DecodeConfig parses an image config and checks it against the manifest
// that named it: rootfs must be of type "layers" with one diff ID per layer,
// since unpacking pairs them up one to one and a mismatch would label a
// layer's snapshot with another layer's digest.
func DecodeConfig(data []byte, layers int) (ocispec.Image, error) {
	var img ocispec.Image
	if err := json.Unmarshal(data, &img); err != nil {
		return ocispec.Image{}, fmt.Errorf("decoding image config: %v: %w", err, errdefs.ErrInvalidArgument)
	}
	if img.RootFS.Type != "layers" {
		return ocispec.Image{}, fmt.Errorf("image config: rootfs type %q, want \"layers\": %w",
			img.RootFS.Type, errdefs.ErrInvalidArgument)
	}
	if n := len(img.RootFS.DiffIDs); n != layers {
		return ocispec.Image{}, fmt.Errorf("image config lists %d diff IDs for %d layers: %w",
			n, layers, errdefs.ErrInvalidArgument)
	}
	for _, d := range img.RootFS.DiffIDs {
		if err := d.Validate(); err != nil {
			return ocispec.Image{}, fmt.Errorf("image config: diff ID %q: %v: %w", d, err, errdefs.ErrInvalidArgument)
		}
	}
	return img, nil
}

// ChainIDs returns the chain ID of each prefix of a layer stack, as the OCI
// image spec defines it: the first is the first diff ID, and each next one is
// sha256(previous chain ID + " " + diff ID). A chain ID names a whole stack,
// so two images sharing their first layers share those snapshots.
func ChainIDs(diffIDs []digest.Digest) []digest.Digest {
	out := make([]digest.Digest, len(diffIDs))
	for i, d := range diffIDs {
		if i == 0 {
			out[i] = d
			continue
		}
		out[i] = digest.FromString(out[i-1].String() + " " + d.String())
	}
	return out
}

// ChainID returns the chain ID of the whole stack, "" for no layers.
func ChainID(diffIDs []digest.Digest) digest.Digest {
	if len(diffIDs) == 0 {
		return ""
	}
	return ChainIDs(diffIDs)[len(diffIDs)-1]
}

// HistoryEntry is one step of an image's history paired with the layer it
// made; DiffID is "" for steps that made no layer (ENV, CMD and the like).
type HistoryEntry struct {
	ocispec.History
	DiffID digest.Digest
}

// History pairs the config's history with its layers, what `hull history`
// prints. Steps are oldest first. Old images may record fewer steps than
// layers; the missing steps are left out. More non-empty steps than layers
// means the config is inconsistent, and is an error.
func History(img ocispec.Image) ([]HistoryEntry, error) {
	out := make([]HistoryEntry, 0, len(img.History))
	layer := 0
	for _, h := range img.History {
		e := HistoryEntry{History: h}
		if !h.EmptyLayer {
			if layer >= len(img.RootFS.DiffIDs) {
				return nil, fmt.Errorf("image history has more layer steps than the %d layers: %w",
					len(img.RootFS.DiffIDs), errdefs.ErrInvalidArgument)
			}
			e.DiffID = img.RootFS.DiffIDs[layer]
			layer++
		}
		out = append(out, e)
	}
	return out, nil
}
