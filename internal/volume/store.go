package volume

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/hullrt/hull/internal/errdefs"
)

// DriverLocal is the only driver: volumes on the host, as Docker's "local".
const DriverLocal = "local"

// LabelAnonymous marks a volume created without a name, as Docker 23+ does.
// Prune without All removes only volumes carrying it.
const LabelAnonymous = "com.docker.volume.anonymous"

// The files of a volume's directory; see the package doc.
const (
	metadataFile  = "volume.json"
	dataDir       = "_data"
	refsDir       = "refs"
	populatedFile = "populated"
	fillingFile   = "populating"
	rootLockFile  = ".lock"
	tmpPrefix     = ".tmp-"
	trashPrefix   = ".trash-"
)

// Store is a directory of volumes. It holds no state in memory, so any
// number of Stores, in any number of processes, may share one root.
type Store struct {
	root string
}

// Volume is what inspect shows of a volume.
type Volume struct {
	Name       string
	Driver     string
	Mountpoint string // ROOT/<name>/_data, what a container bind-mounts
	Labels     map[string]string
	Options    map[string]string
	CreatedAt  time.Time
	Scope      string // always "local"
}

// Anonymous reports whether the volume was created without a name.
func (v *Volume) Anonymous() bool {
	_, ok := v.Labels[LabelAnonymous]
	return ok
}

// record is volume.json.
type record struct {
	Name      string            `json:"name"`
	Driver    string            `json:"driver"`
	Labels    map[string]string `json:"labels,omitempty"`
	Options   map[string]string `json:"options,omitempty"`
	CreatedAt time.Time         `json:"createdAt"`
}

// Open returns the store at root, creating the directory if needed. It is
// mode 0701: processes of a container's user namespace may pass through to
// a volume's _data but not list the volumes.
func Open(root string) (*Store, error) {
	if err := os.MkdirAll(root, 0o701); err != nil {
		return nil, fmt.Errorf("opening volume store: %w", err)
	}
	// The root's real path, as /proc/self/mountinfo spells it: removal
	// looks there for mounts below a volume before deleting it.
	real, err := filepath.EvalSymlinks(root)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil {
		return nil, fmt.Errorf("opening volume store: %w", err)
	}
	return &Store{root: real}, nil
}

// Root is the directory the store lives in.
func (s *Store) Root() string { return s.root }

func (s *Store) dir(name string) string { return filepath.Join(s.root, name) }

// Get returns the volume called name.
func (s *Store) Get(name string) (*Volume, error) {
	if !validName(name) {
		return nil, notFound(name)
	}
	rec, err := readRecord(s.dir(name))
	if err != nil {
		return nil, err
	}
	return s.volume(rec), nil
}

func (s *Store) volume(rec *record) *Volume {
	return &Volume{
		Name:       rec.Name,
		Driver:     rec.Driver,
		Mountpoint: filepath.Join(s.dir(rec.Name), dataDir),
		Labels:     rec.Labels,
		Options:    rec.Options,
		CreatedAt:  rec.CreatedAt,
		Scope:      "local",
	}
}

// readRecord reads dir's volume.json. A directory without one is not a
// volume (the leftover of something killed) and reads as not found.
func readRecord(dir string) (*record, error) {
	name := filepath.Base(dir)
	b, err := os.ReadFile(filepath.Join(dir, metadataFile))
	if os.IsNotExist(err) {
		return nil, notFound(name)
	}
	if err != nil {
		return nil, fmt.Errorf("reading volume %s: %w", name, err)
	}
	var rec record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("reading volume %s: %w", name, err)
	}
	if rec.Name != name {
		return nil, fmt.Errorf("volume %s: volume.json names %q", name, rec.Name)
	}
	return &rec, nil
}

func notFound(name string) error {
	return fmt.Errorf("no such volume: %s: %w", name, errdefs.ErrNotFound)
}

// nameRE is Docker's rule for local volume names.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`)

// validName reports whether name may name a volume. Every name that
// passes is a single path component that cannot start with a dot, so it
// cannot collide with the store's own .lock, .tmp-* and .trash-* entries.
func validName(name string) bool {
	return len(name) <= 255 && nameRE.MatchString(name)
}

func checkName(name string) error {
	if validName(name) {
		return nil
	}
	return fmt.Errorf("%q includes invalid characters for a local volume name, only %q are allowed. "+
		"If you intended to pass a host directory, use absolute path: %w",
		name, "[a-zA-Z0-9][a-zA-Z0-9_.-]", errdefs.ErrInvalidArgument)
}

// idRE limits container ids to what is safe as a file name in refs/.
var idRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func checkContainerID(id string) error {
	if len(id) <= 255 && idRE.MatchString(id) {
		return nil
	}
	return fmt.Errorf("invalid container id %q: %w", id, errdefs.ErrInvalidArgument)
}
