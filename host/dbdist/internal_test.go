package dbdist

import (
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip": "https://osv-vulnerabilities.storage.googleapis.com/Go/all.zip",
		"https://bob:hunter2@mirror.internal/osv/Go/all.zip?sig=s3cr3t": "https://mirror.internal/osv/Go/all.zip",
		"https://mirror.internal/x.json?X-Goog-Signature=abc#frag":      "https://mirror.internal/x.json",
		"https://token@mirror.internal/":                                "https://mirror.internal/",
		"http://[::1]:namedport/x?token=s3cr3t":                         "<invalid URL>",
	} {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDelay: the backoff doubles per retry, stays within [d/2, d], is capped by
// MaxBackoff, and honours a longer Retry-After up to the cap.
func TestDelay(t *testing.T) {
	t.Parallel()
	u := &updater{backoff: 100 * time.Millisecond, maxBackoff: time.Second}
	for _, frac := range []float64{0, 0.5, 0.999} {
		u.randFraction = func() float64 { return frac }
		for try, full := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 40: time.Second, 1000: time.Second} {
			d := u.delay(try, nil)
			if d < full/2 || d > full {
				t.Errorf("delay(%d) with jitter %.3f = %s, want in [%s, %s]", try, frac, d, full/2, full)
			}
		}
	}
	u.randFraction = func() float64 { return 0 }
	if d := u.delay(1, &fetchError{retryAfter: 700 * time.Millisecond}); d != 700*time.Millisecond {
		t.Errorf("delay with Retry-After 700ms = %s", d)
	}
	if d := u.delay(1, &fetchError{retryAfter: time.Hour}); d != time.Second {
		t.Errorf("delay with Retry-After 1h = %s, want the 1s cap", d)
	}
}

func TestCheckGoogHash(t *testing.T) {
	t.Parallel()
	body := []byte("some zip bytes")
	sum := md5.Sum(body)
	md := base64.StdEncoding.EncodeToString(sum[:])
	c := crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli))
	crc := base64.StdEncoding.EncodeToString([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)})
	for _, tc := range []struct {
		name   string
		header http.Header
		want   string // checks made, or the error
	}{
		{"none", http.Header{}, ""},
		{"one header", http.Header{"X-Goog-Hash": {"crc32c=" + crc + ",md5=" + md}}, "crc32c,md5"},
		{"two headers", http.Header{"X-Goog-Hash": {"crc32c=" + crc, "md5=" + md}}, "crc32c,md5"},
		{"unknown algorithm", http.Header{"X-Goog-Hash": {"sha512=AAAA, md5=" + md}}, "md5"},
		{"md5 mismatch", http.Header{"X-Goog-Hash": {"md5=AAAAAAAAAAAAAAAAAAAAAA=="}}, "error: integrity check failed: md5"},
		{"crc32c mismatch", http.Header{"X-Goog-Hash": {"crc32c=AAAAAA=="}}, "error: integrity check failed: crc32c"},
		{"transcoded", http.Header{"X-Goog-Hash": {"md5=AAAAAAAAAAAAAAAAAAAAAA=="}, "X-Goog-Stored-Content-Encoding": {"gzip"}}, ""},
	} {
		mh := md5.New()
		ch := crc32.New(crc32.MakeTable(crc32.Castagnoli))
		mh.Write(body)
		ch.Write(body)
		checks, err := checkGoogHash(&http.Response{Header: tc.header}, mh, ch)
		got := strings.Join(checks, ",")
		if err != nil {
			got = "error: " + err.Error()
			if !errors.Is(err, ErrIntegrity) {
				t.Errorf("%s: %v is not ErrIntegrity", tc.name, err)
			}
		}
		if !strings.HasPrefix(got, tc.want) || (tc.want == "" && got != "") {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
