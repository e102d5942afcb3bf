package taskmeta

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StateFile is where an engine keeps its endpoint key and port, in its state
// directory (mode 0600).
const StateFile = "task-endpoint.json"

// State is what survives an engine restart: the key ids and tokens derive
// from, and the port the server had (so adopted containers find it again).
type State struct {
	Key  []byte `json:"key"`
	Port int    `json:"port,omitempty"`
	// URL is the base URL the previous run gave containers (Endpoint.URL;
	// "" in the state of an older ecsrun): adopted containers keep
	// sending their requests, credentials ids and tokens there.
	URL string `json:"url,omitempty"`
}

// LoadState reads the state in dir, creating a new key when there is none.
func LoadState(dir string) (State, error) {
	var st State
	b, err := os.ReadFile(filepath.Join(dir, StateFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return st, fmt.Errorf("taskmeta: %w", err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return State{}, fmt.Errorf("taskmeta: %s is damaged (%v); remove it (running tasks lose their endpoints)", filepath.Join(dir, StateFile), err)
		}
	}
	if len(st.Key) < 32 {
		st.Key = make([]byte, 32)
		if _, err := rand.Read(st.Key); err != nil {
			return State{}, fmt.Errorf("taskmeta: %w", err)
		}
		if err := SaveState(dir, st); err != nil {
			return State{}, err
		}
	}
	return st, nil
}

// SaveState writes st in dir atomically.
func SaveState(dir string, st State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("taskmeta: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("taskmeta: %w", err)
	}
	tmp := filepath.Join(dir, StateFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("taskmeta: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, StateFile)); err != nil {
		return fmt.Errorf("taskmeta: %w", err)
	}
	return nil
}

// ids derives the identifiers of tasks and containers from a key.
type ids struct{ key []byte }

func (k ids) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, k.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// uuid formats 16 bytes of a MAC as a version 4 UUID, the form of the ECS
// agent's credentials and endpoint ids.
func uuid(b []byte) string {
	u := make([]byte, 16)
	copy(u, b)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// credentials returns a task's credentials id.
func (k ids) credentials(taskID string) string { return uuid(k.mac("credentials", taskID)) }

// container returns the metadata endpoint id of one container of a task.
func (k ids) container(taskID, name string) string {
	return uuid(k.mac("metadata", taskID, name))
}

// token returns a task's authorization token for the full credentials URI.
func (k ids) token(taskID string) string {
	return base64.RawURLEncoding.EncodeToString(k.mac("token", taskID))
}
