package registry

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/hullrt/hull/internal/errdefs"
)

// dockerHubKey is the key Docker's config.json files Docker Hub's
// credentials under, for historical reasons.
const dockerHubKey = authn.DefaultAuthKey

// DefaultConfigPath is where Docker keeps config.json:
// $DOCKER_CONFIG/config.json, else ~/.docker/config.json.
func DefaultConfigPath() string {
	if dir := os.Getenv("DOCKER_CONFIG"); dir != "" {
		return filepath.Join(dir, "config.json")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = "/"
	}
	return filepath.Join(home, ".docker", "config.json")
}

// ConfigKeychain finds credentials in the "auths" of the Docker
// config.json at path ("" for DefaultConfigPath). It reads the file on
// every lookup, so a login in another process is seen at once. A missing
// file or entry means anonymous access.
func ConfigKeychain(path string) authn.Keychain {
	if path == "" {
		path = DefaultConfigPath()
	}
	return configKeychain{path: path}
}

type configKeychain struct{ path string }

func (k configKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	auths, err := readAuths(k.path)
	if err != nil {
		return nil, err
	}
	for _, key := range authKeys(r.RegistryStr()) {
		if raw, ok := auths[key]; ok {
			var cfg authn.AuthConfig
			if err := json.Unmarshal(raw, &cfg); err != nil {
				return nil, fmt.Errorf("%s: auths[%q]: %w", k.path, key, err)
			}
			return authn.FromConfig(cfg), nil
		}
	}
	return authn.Anonymous, nil
}

// authKeys are the spellings of a registry's key in "auths", the way
// Docker writes it first.
func authKeys(host string) []string {
	if host == name.DefaultRegistry || host == "docker.io" {
		return []string{dockerHubKey, "index.docker.io", "docker.io", "https://index.docker.io/v1"}
	}
	return []string{host, "https://" + host, "http://" + host, "https://" + host + "/v1/", "https://" + host + "/v2/"}
}

// readAuths reads the "auths" object of a config.json; a missing file has
// none.
func readAuths(path string) (map[string]json.RawMessage, error) {
	top, err := readConfig(path)
	if err != nil {
		return nil, err
	}
	auths := map[string]json.RawMessage{}
	if raw, ok := top["auths"]; ok {
		if err := json.Unmarshal(raw, &auths); err != nil {
			return nil, fmt.Errorf("%s: auths: %w", path, err)
		}
	}
	return auths, nil
}

// readConfig reads config.json as raw keys, so that writing it back keeps
// everything hull does not understand (credsStore, proxies, aliases…).
func readConfig(path string) (map[string]json.RawMessage, error) {
	top := map[string]json.RawMessage{}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return top, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("%s: %v: %w", path, err, errdefs.ErrInvalidArgument)
	}
	return top, nil
}

// Login checks user and password against registry ("" or "docker.io" for
// Docker Hub) and, if the registry accepts them, stores them in the Docker
// config.json at configPath ("" for DefaultConfigPath). Refused
// credentials are one line, "unauthorized: …", wrapping ErrUnauthorized.
func Login(ctx context.Context, registry, user, password, configPath string) error {
	host := loginHost(registry)
	if err := ping(ctx, host, &authn.Basic{Username: user, Password: password}); err != nil {
		return fmt.Errorf("login to %s: %w", host, err)
	}
	if configPath == "" {
		configPath = DefaultConfigPath()
	}
	entry, err := json.Marshal(map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))})
	if err != nil {
		return err
	}
	return updateAuths(configPath, func(auths map[string]json.RawMessage) error {
		for _, k := range authKeys(host)[1:] {
			delete(auths, k) // one entry per registry, in Docker's spelling
		}
		auths[authKeys(host)[0]] = entry
		return nil
	})
}

// Logout removes registry's credentials from config.json. It fails with
// errdefs.ErrNotFound when there were none.
func Logout(registry, configPath string) error {
	host := loginHost(registry)
	if configPath == "" {
		configPath = DefaultConfigPath()
	}
	return updateAuths(configPath, func(auths map[string]json.RawMessage) error {
		found := false
		for _, k := range authKeys(host) {
			if _, ok := auths[k]; ok {
				delete(auths, k)
				found = true
			}
		}
		if !found {
			return fmt.Errorf("not logged in to %s: %w", host, errdefs.ErrNotFound)
		}
		return nil
	})
}

// loginHost normalises what a person types after `login`.
func loginHost(registry string) string {
	host := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(registry, "https://"), "http://"), "/")
	host, _, _ = strings.Cut(host, "/")
	if host == "" || host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io" {
		return name.DefaultRegistry
	}
	return host
}

// ping asks the registry's /v2/ endpoint with auth: 200 means the
// credentials work. For a bearer-token registry the token exchange
// already checks them; for basic auth only this request does.
func ping(ctx context.Context, host string, auth authn.Authenticator) error {
	var o RemoteOptions
	reg, err := o.repository(host, "x", false)
	if err != nil {
		return err
	}
	rt, err := transport.NewWithContext(ctx, reg.Registry, auth, o.transport(), nil)
	if err != nil {
		return clean(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, reg.Scheme()+"://"+reg.RegistryStr()+"/v2/", nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: rt}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, http.StatusOK); err != nil {
		return clean(err)
	}
	return nil
}
