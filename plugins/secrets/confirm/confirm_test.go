package confirm

import (
	"encoding/base64"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/trawlscan/trawl/sdk"
)

func githubToken(prefix, random string) string {
	sum := crc32.ChecksumIEEE([]byte(random))
	var enc [6]byte
	for i := 5; i >= 0; i-- {
		enc[i] = base62[sum%62]
		sum /= 62
	}
	return prefix + "_" + random + string(enc[:])
}

func jwtOf(header, payload string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(payload)) + ".c2lnbmF0dXJl"
}

const pemBody = "MIIEowIBAAKCAQEAr3Ug4Jy1rDnhW5WbZPcq0Jk0YmH2ZbLh7T4qzJcL8d1Xw3o9\nfQ2uY0S8aTtL2c8Vb1nP3kR5mX7wZ9aQ2sD4fG6hJ8kL0pR2tV4xY6zB8dF0hJ2k\n"

func TestCandidate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		c         sdk.SecretCandidate
		confirmed bool
		note      string
		severity  string
	}{
		{"jwt", sdk.SecretCandidate{RuleID: "jwt", Secret: jwtOf(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"1234567890"}`)}, true, "", ""},
		{"jwt unsigned", sdk.SecretCandidate{RuleID: "jwt", Secret: jwtOf(`{"alg":"none"}`, `{"sub":"1"}`)}, true, "unsigned", sdk.SeverityLow},
		{"jwt without alg", sdk.SecretCandidate{RuleID: "jwt", Secret: jwtOf(`{"typ":"JWT"}`, `{"sub":"1"}`)}, false, "", ""},
		{"jwt, payload not JSON", sdk.SecretCandidate{RuleID: "jwt", Secret: jwtOf(`{"alg":"HS256"}`, `not json`)}, false, "", ""},
		{"jwt, not base64", sdk.SecretCandidate{RuleID: "jwt", Secret: "eyJ!!!.eyJ???.x"}, false, "", ""},
		{"github, checksum valid", sdk.SecretCandidate{RuleID: "github-pat", Secret: githubToken("ghp", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5")}, true, "checksum valid", ""},
		{"github, checksum invalid", sdk.SecretCandidate{RuleID: "github-pat", Secret: "ghp_WCzAbbbWoQoEyJT8UPgzunzF2vSHHkJfLPUf"}, true, "checksum invalid: likely not issued by GitHub", sdk.SeverityLow},
		{"github, older format", sdk.SecretCandidate{RuleID: "github-oauth", Secret: "gho_short"}, true, "", ""},
		{"pem", sdk.SecretCandidate{RuleID: "private-key-rsa", Secret: "-----BEGIN RSA PRIVATE KEY-----\n" + pemBody + "-----END RSA PRIVATE KEY-----"}, true, "", ""},
		{"pem, encrypted (RFC 1421 headers)", sdk.SecretCandidate{RuleID: "private-key-rsa", Secret: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n" + pemBody + "-----END RSA PRIVATE KEY-----"}, true, "encrypted", sdk.SeverityMedium},
		{"pem, PKCS#8 encrypted", sdk.SecretCandidate{RuleID: "private-key-pkcs8-encrypted", Secret: "-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + pemBody + "-----END ENCRYPTED PRIVATE KEY-----"}, true, "encrypted", sdk.SeverityMedium},
		{"pem, not base64", sdk.SecretCandidate{RuleID: "private-key-ec", Secret: "-----BEGIN EC PRIVATE KEY-----\nthis is not base64 at all, it is prose!!\n-----END EC PRIVATE KEY-----"}, false, "", ""},
		{"stripe test", sdk.SecretCandidate{RuleID: "stripe-test-secret-key", Secret: "sk_test_abc"}, true, "test mode", sdk.SeverityLow},
		{"aws temporary", sdk.SecretCandidate{RuleID: "aws-access-key-id", Secret: "ASIAZ7XQ3MLKPR5TWY2N"}, true, "", sdk.SeverityHigh},
		{"aws", sdk.SecretCandidate{RuleID: "aws-access-key-id", Secret: "AKIAZ7XQ3MLKPR5TWY2N"}, true, "", ""},
		{"no check", sdk.SecretCandidate{RuleID: "slack-bot-token", Secret: "xoxb-1"}, true, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Candidate(tc.c)
			if v.Confirmed != tc.confirmed || v.Note != tc.note || v.Severity != tc.severity {
				t.Errorf("verdict %+v, want confirmed %v note %q severity %q", v, tc.confirmed, tc.note, tc.severity)
			}
			if !v.Confirmed && v.Reason == "" {
				t.Error("a dropped candidate has no reason")
			}
		})
	}
}

// FuzzCandidate: any candidate gets a verdict, and no verdict repeats the secret.
func FuzzCandidate(f *testing.F) {
	f.Add("jwt", jwtOf(`{"alg":"HS256"}`, `{"a":1}`))
	f.Add("github-pat", githubToken("ghp", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5"))
	f.Add("private-key-rsa", "-----BEGIN RSA PRIVATE KEY-----\n"+pemBody+"-----END RSA PRIVATE KEY-----")
	f.Add("aws-access-key-id", "ASIAZ7XQ3MLKPR5TWY2N")
	f.Fuzz(func(t *testing.T, rule, secret string) {
		v := Candidate(sdk.SecretCandidate{RuleID: rule, Secret: secret})
		if len(secret) >= 12 { // shorter ones occur in ordinary words
			for _, s := range []string{v.Reason, v.Note, v.Title} {
				if strings.Contains(s, secret) {
					t.Fatalf("verdict %+v repeats the secret", v)
				}
			}
		}
	})
}
