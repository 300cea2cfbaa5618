// Package secret seals the secrets dmsd stores (passwords) with AES-256-GCM
// under a 32-byte key kept in a file apart from the database: the data dir's
// generated key file, or one the operator provides.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/dmsd/dmsd"
)

// KeySize is the length of a key: AES-256.
const KeySize = 32

// version follows dmsd.SealedPrefix in every sealed string, so that another
// format can come later.
const version = "v1:"

// Ensure Box implements dmsd.SecretBox.
var _ dmsd.SecretBox = (*Box)(nil)

// Box seals and opens secrets with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
	id   string
}

// New returns a Box for key. It returns an error unless key is KeySize bytes.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// The id is a MAC of a constant: it names the key and reveals nothing
	// of it.
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("dmsd secret key id"))
	return &Box{aead: aead, id: hex.EncodeToString(mac.Sum(nil)[:6])}, nil
}

// KeyID returns the key's public name: 12 hex digits.
func (b *Box) KeyID() string { return b.id }

// header is what precedes the ciphertext; it is authenticated with it, so
// that a secret cannot be passed off as sealed with another key.
func (b *Box) header() string { return dmsd.SealedPrefix + version + b.id + ":" }

// Seal returns plaintext sealed under a fresh random nonce:
// "dmsd-sealed:v1:<key id>:<base64 of nonce and ciphertext>". It returns an
// error only if no randomness is available.
func (b *Box) Seal(plaintext string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plaintext)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	h := b.header()
	sealed := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(h))
	return h + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// Open returns the plaintext of a string Seal returned, and a string that is
// not sealed as it is (stored before dmsd sealed secrets). It returns an error
// naming both keys if the string was sealed with another key, and an error if
// it was altered.
func (b *Box) Open(stored string) (string, error) {
	if !dmsd.IsSealed(stored) {
		return stored, nil
	}
	rest, ok := strings.CutPrefix(stored, dmsd.SealedPrefix+version)
	if !ok {
		return "", errors.New("secret sealed in an unknown format")
	}
	id, body, ok := strings.Cut(rest, ":")
	if !ok {
		return "", errors.New("malformed sealed secret")
	}
	if id != b.id {
		return "", fmt.Errorf("secret sealed with key %s, but this process has key %s", id, b.id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("malformed sealed secret")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(b.header()))
	if err != nil {
		return "", errors.New("sealed secret altered or sealed with another key")
	}
	return string(plain), nil
}

// ParseKey returns the key a key file holds: 64 hex digits (as
// `openssl rand -hex 32` prints them), optionally followed by a newline, or
// exactly 32 raw bytes. It returns an error for anything else.
func ParseKey(data []byte) ([]byte, error) {
	if text := strings.TrimSpace(string(data)); len(text) == 2*KeySize {
		if key, err := hex.DecodeString(text); err == nil {
			return key, nil
		}
	}
	if len(data) == KeySize {
		return data, nil
	}
	return nil, fmt.Errorf("want %d hex digits or %d raw bytes", 2*KeySize, KeySize)
}

// LoadKeyFile returns a Box for the key in path. It returns an error if the
// file cannot be read or does not hold a key.
func LoadKeyFile(path string) (*Box, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key file: %w", err)
	}
	key, err := ParseKey(data)
	if err != nil {
		return nil, fmt.Errorf("secret key file %s: %w", path, err)
	}
	return New(key)
}

// LoadOrCreateKeyFile returns a Box for the key in path, generating a random
// key into it (mode 0600, hex) when the file does not exist, and whether it
// did. It returns LoadKeyFile's errors, and an error if the file cannot be
// written.
func LoadOrCreateKeyFile(path string) (*Box, bool, error) {
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		b, err := LoadKeyFile(path)
		return b, false, err
	}
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, false, err
	}
	// Written aside and renamed into place, so that a crash never leaves a
	// half key that would seal secrets no one can open again.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, false, fmt.Errorf("secret key file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, false, fmt.Errorf("secret key file: %w", err)
	}
	b, err := New(key)
	return b, true, err
}
