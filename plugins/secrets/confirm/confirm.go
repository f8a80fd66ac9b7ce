// Package confirm holds the checks the secrets plugin runs on the candidate matches the host
// finds with its rules: what a regular expression cannot tell. A candidate that cannot be
// the secret its rule names (a JWT whose parts are not JSON, a PEM block that is not
// base64) is dropped; one whose content says more than its rule (a GitHub token whose
// checksum fails, a Stripe test-mode key, an encrypted private key, a temporary AWS key)
// keeps being reported with that said in its title and severity. Nothing here outputs a
// secret: verdicts carry reasons that describe, never quote.
package confirm

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"hash/crc32"
	"strings"

	"github.com/trawlscan/trawl/sdk"
)

// Checks reports whether Candidate has a check for the rule: the manifest flags those rules
// (sdk.SecretRule.Confirm) so that the host calls the module for their candidates only.
func Checks(ruleID string) bool { return check(ruleID) != nil }

// Candidate checks one candidate by its rule's id; rules without a check are confirmed.
func Candidate(c sdk.SecretCandidate) sdk.SecretVerdict {
	if f := check(c.RuleID); f != nil {
		return f(c.Secret)
	}
	return sdk.SecretVerdict{Confirmed: true}
}

// check is the check of a rule's candidates, by the secret; nil for none.
func check(ruleID string) func(secret string) sdk.SecretVerdict {
	switch {
	case ruleID == "jwt":
		return jwt
	case strings.HasPrefix(ruleID, "github-"):
		return github
	case strings.HasPrefix(ruleID, "private-key-") && ruleID != "private-key-pgp":
		return pem
	case strings.HasPrefix(ruleID, "stripe-test-"):
		return func(string) sdk.SecretVerdict {
			return sdk.SecretVerdict{Confirmed: true, Note: "test mode", Severity: sdk.SeverityLow, Reason: "a test-mode key has no access to live data"}
		}
	case ruleID == "aws-access-key-id":
		return func(secret string) sdk.SecretVerdict {
			if strings.HasPrefix(secret, "ASIA") {
				return sdk.SecretVerdict{Confirmed: true, Title: "AWS temporary access key ID (STS)", Severity: sdk.SeverityHigh, Reason: "ASIA prefix: a temporary credential that expires"}
			}
			return sdk.SecretVerdict{Confirmed: true}
		}
	}
	return nil
}

// jwt confirms a token whose header and payload are base64url JSON objects and whose header
// names an algorithm, as every JWS does.
func jwt(token string) sdk.SecretVerdict {
	parts := strings.Split(token, ".")
	if len(parts) < 2 {
		return sdk.SecretVerdict{Reason: "not a JWT: fewer than two parts"}
	}
	var header map[string]any
	if err := decodeJSON(parts[0], &header); err != nil {
		return sdk.SecretVerdict{Reason: "not a JWT: the header is not base64url JSON"}
	}
	if _, ok := header["alg"]; !ok {
		return sdk.SecretVerdict{Reason: "not a JWT: the header has no alg"}
	}
	var payload map[string]any
	if err := decodeJSON(parts[1], &payload); err != nil {
		return sdk.SecretVerdict{Reason: "not a JWT: the payload is not base64url JSON"}
	}
	v := sdk.SecretVerdict{Confirmed: true}
	if alg, _ := header["alg"].(string); strings.EqualFold(alg, "none") {
		v.Note, v.Severity, v.Reason = "unsigned", sdk.SeverityLow, "alg none: anyone can forge it"
	}
	return v
}

func decodeJSON(part string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(part, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// base62 is the alphabet of GitHub's token checksums.
const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// github checks the checksum GitHub's current tokens carry ("ghp_" + 30 random characters +
// 6 characters of base62 CRC-32 of those 30, as GitHub described when it introduced the
// format in 2021). A token that fails it is not one GitHub issued: most likely a
// placeholder or a test value. It is still reported, at low severity, since a scanner
// that drops what a user pasted on a guess would hide a real leak of an older format.
func github(token string) sdk.SecretVerdict {
	prefix, body, ok := strings.Cut(token, "_")
	if !ok || len(body) != 36 || len(prefix) != 3 {
		return sdk.SecretVerdict{Confirmed: true}
	}
	sum := crc32.ChecksumIEEE([]byte(body[:30]))
	var enc [6]byte
	for i := 5; i >= 0; i-- {
		enc[i] = base62[sum%62]
		sum /= 62
	}
	if string(enc[:]) == body[30:] {
		return sdk.SecretVerdict{Confirmed: true, Note: "checksum valid"}
	}
	return sdk.SecretVerdict{Confirmed: true, Note: "checksum invalid: likely not issued by GitHub", Severity: sdk.SeverityLow, Reason: "checksum mismatch"}
}

// pem confirms a PEM block whose body is base64 (after any RFC 1421 headers) and classifies
// an encrypted key, which is worth less without its passphrase.
func pem(block string) sdk.SecretVerdict {
	lines := strings.Split(strings.ReplaceAll(block, "\r", ""), "\n")
	var body bytes.Buffer
	encrypted := strings.Contains(lines[0], "ENCRYPTED")
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case l == "", strings.HasPrefix(l, "-----"):
		case strings.Contains(l, ":"):
			// An RFC 1421 header: Proc-Type: 4,ENCRYPTED, DEK-Info: ...
			if strings.Contains(l, "ENCRYPTED") {
				encrypted = true
			}
		default:
			body.WriteString(l)
		}
	}
	b := strings.TrimRight(body.String(), "=")
	if len(b) < 32 {
		return sdk.SecretVerdict{Reason: "not a key: the body is too short"}
	}
	if _, err := base64.RawStdEncoding.DecodeString(b); err != nil {
		return sdk.SecretVerdict{Reason: "not a key: the body is not base64"}
	}
	if encrypted {
		return sdk.SecretVerdict{Confirmed: true, Note: "encrypted", Severity: sdk.SeverityMedium, Reason: "encrypted with a passphrase"}
	}
	return sdk.SecretVerdict{Confirmed: true}
}
