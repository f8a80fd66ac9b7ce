package sign_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/registry/sign"
)

var module = []byte("\x00asm\x01\x00\x00\x00 a module")

func TestSignVerify(t *testing.T) {
	pub, priv, err := sign.Generate(nil)
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := sign.Generate(nil)
	s, err := sign.SignModule(priv, module)
	if err != nil {
		t.Fatal(err)
	}
	if s.Algorithm != "ed25519" || s.Key != sign.Fingerprint(pub) || s.Digest != sign.Digest(module) {
		t.Fatalf("signature %+v", s)
	}
	parsed, err := sign.Parse(s.Marshal())
	if err != nil || *parsed != *s {
		t.Fatalf("round trip: %+v, %v", parsed, err)
	}
	fp, err := sign.Verify(parsed, sign.Digest(module), []ed25519.PublicKey{other, pub})
	if err != nil || fp != sign.Fingerprint(pub) {
		t.Fatalf("verify: %q, %v", fp, err)
	}

	altered := append(append([]byte{}, module...), '!')
	_, err = sign.Verify(s, sign.Digest(altered), []ed25519.PublicKey{pub})
	mustBe(t, err, sign.ErrWrongDigest, "it signs "+s.Digest, "the module is "+sign.Digest(altered))

	_, err = sign.Verify(s, sign.Digest(module), []ed25519.PublicKey{other})
	mustBe(t, err, sign.ErrUntrustedKey, "signed by key "+s.Key, "the trusted keys are")
	_, err = sign.Verify(s, sign.Digest(module), nil)
	mustBe(t, err, sign.ErrUntrustedKey, "no key is trusted")

	// A signature whose digest was rewritten to another module's no longer verifies.
	forged := *s
	forged.Digest = sign.Digest(altered)
	_, err = sign.Verify(&forged, sign.Digest(altered), []ed25519.PublicKey{pub})
	mustBe(t, err, sign.ErrBadSignature, "with key "+s.Key)

	flipped := *s
	raw, _ := base64.StdEncoding.DecodeString(s.Signature)
	raw[0] ^= 1
	flipped.Signature = base64.StdEncoding.EncodeToString(raw)
	_, err = sign.Verify(&flipped, sign.Digest(module), []ed25519.PublicKey{pub})
	mustBe(t, err, sign.ErrBadSignature)

	for _, bad := range []string{``, `{}`, `{"algorithm":"ed25519"}`, `not json`} {
		if _, err := sign.Parse([]byte(bad)); !errors.Is(err, sign.ErrMalformed) {
			t.Errorf("Parse(%q) = %v, want ErrMalformed", bad, err)
		}
	}
	rsa := *s
	rsa.Algorithm = "rsa"
	_, err = sign.Verify(&rsa, sign.Digest(module), []ed25519.PublicKey{pub})
	mustBe(t, err, sign.ErrMalformed, `algorithm "rsa"`)
}

func TestKeyFormats(t *testing.T) {
	pub, priv, _ := sign.Generate(nil)
	pemPriv, err := sign.MarshalPrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pemPub, _ := sign.MarshalPublicKey(pub)
	for name, data := range map[string][]byte{
		"pem":         pemPriv,
		"base64 seed": []byte(base64.StdEncoding.EncodeToString(priv.Seed()) + "\n"),
		"base64 key":  []byte(base64.StdEncoding.EncodeToString(priv)),
	} {
		got, err := sign.ParsePrivateKey(data)
		if err != nil || !got.Equal(priv) {
			t.Errorf("private key as %s: %v", name, err)
		}
	}
	for name, data := range map[string][]byte{
		"pem":    pemPub,
		"base64": []byte(base64.StdEncoding.EncodeToString(pub) + "\n"),
	} {
		got, err := sign.ParsePublicKey(data)
		if err != nil || !got.Equal(pub) {
			t.Errorf("public key as %s: %v", name, err)
		}
	}
	// A private key is not a public key file, and the other way round.
	if _, err := sign.ParsePublicKey(pemPriv); err == nil || !strings.Contains(err.Error(), "want a PUBLIC KEY") {
		t.Errorf("private PEM as public key: %v", err)
	}
	if _, err := sign.ParsePrivateKey(pemPub); err == nil {
		t.Error("public PEM read as a private key")
	}
	if _, err := sign.ParsePublicKey([]byte("c2hvcnQ=")); !errors.Is(err, sign.ErrMalformed) {
		t.Errorf("short key: %v", err)
	}
	bad := append(ed25519.PrivateKey{}, priv...)
	bad[40] ^= 1
	if _, err := sign.ParsePrivateKey([]byte(base64.StdEncoding.EncodeToString(bad))); err == nil {
		t.Error("a 64-byte key whose halves disagree was accepted")
	}
}

// TestOpenSSLInterop signs with openssl, as the package documentation shows, and verifies
// with the package; and reads openssl's key files.
func TestOpenSSLInterop(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	dir := t.TempDir()
	key, pubFile, msg := filepath.Join(dir, "key.pem"), filepath.Join(dir, "pub.pem"), filepath.Join(dir, "msg")
	run := func(args ...string) []byte {
		out, err := exec.Command(openssl, args...).Output()
		if err != nil {
			t.Skipf("openssl %s: %v (an openssl without ed25519?)", args[0], err)
		}
		return out
	}
	run("genpkey", "-algorithm", "ed25519", "-out", key)
	run("pkey", "-in", key, "-pubout", "-out", pubFile)
	if err := os.WriteFile(msg, []byte(sign.Digest(module)), 0o644); err != nil {
		t.Fatal(err)
	}
	rawSig := run("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg)
	pemPub, _ := os.ReadFile(pubFile)
	pub, err := sign.ParsePublicKey(pemPub)
	if err != nil {
		t.Fatal(err)
	}
	pemPriv, _ := os.ReadFile(key)
	priv, err := sign.ParsePrivateKey(pemPriv)
	if err != nil || !bytes.Equal(sign.Public(priv), pub) {
		t.Fatalf("openssl private key: %v", err)
	}
	s := &sign.Signature{Algorithm: "ed25519", Key: sign.Fingerprint(pub), Digest: sign.Digest(module), Signature: base64.StdEncoding.EncodeToString(rawSig)}
	if _, err := sign.Verify(s, sign.Digest(module), []ed25519.PublicKey{pub}); err != nil {
		t.Fatalf("openssl's signature: %v", err)
	}
}

func mustBe(t *testing.T, err, kind error, want ...string) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("error %v, want %v", err, kind)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}
