// Package sign makes and checks the detached ed25519 signatures of trawl plugin modules.
//
// A signature is over the module's digest, not its bytes: the message signed is the ASCII
// string "sha256:<64 lower-case hex digits>" of the module's SHA-256, exactly as the lock
// file and `trawl plugin list` print it. Signing a digest keeps a signature small and
// independent of how the module travels (a file, an archive, an OCI layer), and lets any
// ed25519 tool make one:
//
//	printf 'sha256:%s' "$(sha256sum plugin.wasm | cut -c1-64)" > msg
//	openssl pkeyutl -sign -inkey key.pem -rawin -in msg | base64 -w0
//
// A signature travels as a small JSON document (media type MediaType):
//
//	{"algorithm": "ed25519", "key": "sha256:<fingerprint>", "digest": "sha256:<module>",
//	 "signature": "<base64 of the 64 signature bytes>"}
//
// where key is the Fingerprint of the public key that verifies it: it names the key, so a
// verifier given several keys knows which one to use, and a lock file can record who signed.
//
// Keys are PEM (a "PRIVATE KEY" block in PKCS #8, a "PUBLIC KEY" block in PKIX, as
// `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write them) or raw
// base64: 32 bytes for a public key, a 32-byte seed or 64-byte key for a private key.
// Use keys dedicated to signing trawl plugins: a signature over a digest string means
// nothing else, but a key used elsewhere could be made to sign one.
package sign

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Algorithm is the only signature algorithm: ed25519 (RFC 8032, pure, no pre-hash).
const Algorithm = "ed25519"

// MediaType is the media type of a signature document.
const MediaType = "application/vnd.trawl.plugin.signature.v1+json"

// MaxSize bounds a signature document a verifier reads: a real one is about 250 bytes.
const MaxSize = 64 << 10

// Errors a verifier can tell apart with errors.Is; the error returned wraps one and says
// more.
var (
	// ErrUntrustedKey: the signature names a key that is not among the trusted ones.
	ErrUntrustedKey = errors.New("signed by an untrusted key")
	// ErrBadSignature: the signature does not verify: the module, the digest or the
	// signature was altered, or another key made it.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrWrongDigest: the signature is over another module's digest.
	ErrWrongDigest = errors.New("signature is for another module")
	// ErrMalformed: the document or key cannot be read.
	ErrMalformed = errors.New("malformed")
)

// Signature is a detached signature of a module digest.
type Signature struct {
	// Algorithm is "ed25519".
	Algorithm string `json:"algorithm"`
	// Key is the Fingerprint of the public key that verifies the signature.
	Key string `json:"key"`
	// Digest is the signed module's digest, "sha256:<hex>"; it is the message signed.
	Digest string `json:"digest"`
	// Signature is the standard base64 of the 64 signature bytes.
	Signature string `json:"signature"`
}

// Generate returns a new key pair, from crypto/rand when r is nil.
func Generate(r io.Reader) (ed25519.PublicKey, ed25519.PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	return ed25519.GenerateKey(r)
}

// Fingerprint names a public key: "sha256:" and the hex SHA-256 of its 32 raw bytes.
func Fingerprint(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Sign signs a module digest ("sha256:<hex>").
func Sign(priv ed25519.PrivateKey, digest string) (*Signature, error) {
	d, err := normDigest(digest)
	if err != nil {
		return nil, err
	}
	if len(priv) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: private key of %d bytes, want %d", ErrMalformed, len(priv), ed25519.PrivateKeySize)
	}
	sig := ed25519.Sign(priv, []byte(d))
	return &Signature{
		Algorithm: Algorithm,
		Key:       Fingerprint(priv.Public().(ed25519.PublicKey)),
		Digest:    d,
		Signature: base64.StdEncoding.EncodeToString(sig),
	}, nil
}

// SignModule signs the digest of a module's bytes.
func SignModule(priv ed25519.PrivateKey, wasm []byte) (*Signature, error) {
	return Sign(priv, Digest(wasm))
}

// Digest returns "sha256:<hex>" of b.
func Digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Verify checks that s signs digest with one of keys, and returns the fingerprint of the
// key that verified it. The checks run in this order, each with its own error: the
// document's form, the digest it names against digest, the key it names against keys, then
// the signature itself.
func Verify(s *Signature, digest string, keys []ed25519.PublicKey) (string, error) {
	if s == nil {
		return "", fmt.Errorf("%w: no signature", ErrMalformed)
	}
	if s.Algorithm != Algorithm {
		return "", fmt.Errorf("%w: algorithm %q, want %q", ErrMalformed, s.Algorithm, Algorithm)
	}
	want, err := normDigest(digest)
	if err != nil {
		return "", err
	}
	got, err := normDigest(s.Digest)
	if err != nil {
		return "", err
	}
	if got != want {
		return "", fmt.Errorf("%w: it signs %s, the module is %s", ErrWrongDigest, got, want)
	}
	raw, err := base64.StdEncoding.DecodeString(s.Signature)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return "", fmt.Errorf("%w: signature is not base64 of %d bytes", ErrMalformed, ed25519.SignatureSize)
	}
	var trusted []string
	for _, k := range keys {
		fp := Fingerprint(k)
		trusted = append(trusted, short(fp))
		if fp != strings.ToLower(s.Key) {
			continue
		}
		if !ed25519.Verify(k, []byte(want), raw) {
			return "", fmt.Errorf("%w with key %s: the module or its signature was altered", ErrBadSignature, fp)
		}
		return fp, nil
	}
	if len(keys) == 0 {
		return "", fmt.Errorf("%w: signed by key %s, and no key is trusted (give one with --key)", ErrUntrustedKey, s.Key)
	}
	return "", fmt.Errorf("%w: signed by key %s, the trusted keys are %s", ErrUntrustedKey, s.Key, strings.Join(trusted, ", "))
}

func short(fp string) string {
	if len(fp) > len("sha256:")+16 {
		return fp[:len("sha256:")+16] + "…"
	}
	return fp
}

func normDigest(d string) (string, error) {
	alg, h, ok := strings.Cut(d, ":")
	if ok && strings.EqualFold(alg, "sha256") && len(h) == 64 {
		if _, err := hex.DecodeString(h); err == nil {
			return "sha256:" + strings.ToLower(h), nil
		}
	}
	return "", fmt.Errorf("%w: digest %q: want sha256:<64 hex digits>", ErrMalformed, d)
}

// Parse reads a signature document.
func Parse(data []byte) (*Signature, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: signature document of %d bytes, more than %d", ErrMalformed, len(data), MaxSize)
	}
	var s Signature
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: signature document: %v", ErrMalformed, err)
	}
	if s.Algorithm == "" || s.Key == "" || s.Digest == "" || s.Signature == "" {
		return nil, fmt.Errorf("%w: signature document lacks algorithm, key, digest or signature", ErrMalformed)
	}
	return &s, nil
}

// Marshal encodes the document, indented, with a final newline.
func (s *Signature) Marshal() []byte {
	b, _ := json.MarshalIndent(s, "", "  ")
	return append(b, '\n')
}

// MarshalPrivateKey encodes a private key as a PEM "PRIVATE KEY" block (PKCS #8).
func MarshalPrivateKey(priv ed25519.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKey encodes a public key as a PEM "PUBLIC KEY" block (PKIX).
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKey reads a public key: a PEM "PUBLIC KEY" block, or the standard base64 of
// its 32 bytes. A private key is refused rather than silently reduced to its public half,
// since a file holding one should not be handed around as a trust anchor.
func ParsePublicKey(data []byte) (ed25519.PublicKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("%w: PEM block %q, want a PUBLIC KEY (PKIX) block", ErrMalformed, block.Type)
		}
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: public key: %v", ErrMalformed, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%w: public key is a %T, want ed25519", ErrMalformed, k)
		}
		return pub, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: public key: want a PEM PUBLIC KEY block or base64 of %d bytes", ErrMalformed, ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// ParsePrivateKey reads a private key: a PEM "PRIVATE KEY" block (PKCS #8), or the standard
// base64 of a 32-byte seed or a 64-byte key.
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PRIVATE KEY" {
			return nil, fmt.Errorf("%w: PEM block %q, want a PRIVATE KEY (PKCS #8) block", ErrMalformed, block.Type)
		}
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: private key: %v", ErrMalformed, err)
		}
		priv, ok := k.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: private key is a %T, want ed25519", ErrMalformed, k)
		}
		return priv, nil
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	switch {
	case err != nil:
	case len(raw) == ed25519.SeedSize:
		return ed25519.NewKeyFromSeed(raw), nil
	case len(raw) == ed25519.PrivateKeySize:
		priv := ed25519.PrivateKey(raw)
		// A 64-byte key is seed and public key; one whose halves disagree is corrupt.
		if !bytes.Equal(ed25519.NewKeyFromSeed(priv.Seed()), priv) {
			return nil, fmt.Errorf("%w: private key: its public half does not match its seed", ErrMalformed)
		}
		return priv, nil
	}
	return nil, fmt.Errorf("%w: private key: want a PEM PRIVATE KEY block or base64 of a %d-byte seed or %d-byte key", ErrMalformed, ed25519.SeedSize, ed25519.PrivateKeySize)
}

// Public returns the public key of priv.
func Public(priv ed25519.PrivateKey) ed25519.PublicKey {
	return priv.Public().(ed25519.PublicKey)
}
