package dbdist

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fetchError is a failed download attempt that is the server's or the network's doing:
// another attempt, or another mirror, may succeed. Other errors (a full disk) end the
// update.
type fetchError struct {
	url string // redacted
	// retry is set for failures that may pass on the same mirror; the others (integrity,
	// 4xx, too large) go straight to the next mirror.
	retry bool
	// retryAfter is the server's Retry-After, if it sent one.
	retryAfter time.Duration
	err        error
}

func (e *fetchError) Error() string { return e.url + ": " + e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// refusedError marks a failure of policy (a redirect to plain HTTP) that retrying cannot fix.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

var (
	// ErrStalled is the cause of an attempt aborted by StallTimeout.
	ErrStalled = errors.New("stalled: no data received within the stall timeout")
	// ErrIntegrity is wrapped by every failed integrity check.
	ErrIntegrity = errors.New("integrity check failed")
	errTimeout   = errors.New("request timed out")
)

// download is a successful attempt.
type download struct {
	bytes  int64
	sha256 string
	checks []string
}

// download makes one attempt at fetching raw into file.
func (u *updater) download(ctx context.Context, raw, file string) (*download, error) {
	red := Redact(raw)
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if u.timeout > 0 {
		var stop context.CancelFunc
		actx, stop = context.WithTimeoutCause(actx, u.timeout, errTimeout)
		defer stop()
	}
	// The stall timer runs from the first request on, so that a server that accepts the
	// connection and then says nothing is caught as well as a body that stops mid-way.
	stall := newStallTimer(u.stall, func() { cancel(ErrStalled) })
	defer stall.stop()

	// fail classifies an error of this attempt. A cancelled attempt context reports
	// context.Canceled whatever the reason; the cause says which.
	fail := func(retry bool, err error) error {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if cause := context.Cause(actx); cause != nil {
			switch {
			case errors.Is(cause, ErrStalled):
				err = fmt.Errorf("%w (%s)", ErrStalled, u.stall)
			case errors.Is(cause, errTimeout):
				err = fmt.Errorf("%w (%s)", errTimeout, u.timeout)
			}
			retry = true
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			// url.Error quotes the full URL, token and all; we name the redacted one.
			err = ue.Err
		}
		var re *refusedError
		if errors.As(err, &re) {
			retry = false
		}
		return &fetchError{url: red, retry: retry, err: err}
	}

	want, err := u.sibling(actx, raw, stall)
	if err != nil {
		return nil, fail(!errors.Is(err, ErrIntegrity), fmt.Errorf("fetching the .sha256 file: %w", err))
	}

	req, err := http.NewRequestWithContext(actx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, fail(false, err)
	}
	req.Header.Set("User-Agent", "trawl-db-update")
	stall.reset() // the sibling's time does not count against the download
	resp, err := u.client.Do(req)
	if err != nil {
		return nil, fail(true, err)
	}
	defer resp.Body.Close()
	stall.reset()
	if resp.StatusCode != http.StatusOK {
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
		err := fail(retry, fmt.Errorf("server answered %s", resp.Status))
		if fe, ok := err.(*fetchError); ok {
			fe.retryAfter = retryAfter(resp.Header.Get("Retry-After"))
		}
		return nil, err
	}
	if resp.ContentLength > u.maxBytes {
		return nil, fail(false, fmt.Errorf("refused: Content-Length %d is larger than the limit of %d bytes (MaxBytes)", resp.ContentLength, u.maxBytes))
	}

	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sum256, md, crc := sha256.New(), md5.New(), crc32.New(crc32.MakeTable(crc32.Castagnoli))
	body := &progressReader{r: io.LimitReader(resp.Body, u.maxBytes+1), progress: stall.reset}
	n, err := io.Copy(io.MultiWriter(f, sum256, md, crc), body)
	switch {
	case err != nil && body.err == nil:
		// The write failed, not the read: the disk, not the server.
		return nil, fmt.Errorf("writing %s: %w", file, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		// net/http's report of a body shorter than its Content-Length or an unterminated
		// chunked body.
		if resp.ContentLength >= 0 {
			return nil, fail(true, fmt.Errorf("truncated body: received %d of the %d bytes announced: %w", n, resp.ContentLength, err))
		}
		return nil, fail(true, fmt.Errorf("truncated body after %d bytes: %w", n, err))
	case err != nil:
		return nil, fail(true, fmt.Errorf("reading the body after %d bytes: %w", n, err))
	case n > u.maxBytes:
		return nil, fail(false, fmt.Errorf("refused: larger than the limit of %d bytes (MaxBytes)", u.maxBytes))
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", file, err)
	}
	stall.stop()

	d := &download{bytes: n, sha256: hex.EncodeToString(sum256.Sum(nil))}
	if resp.ContentLength >= 0 {
		if n != resp.ContentLength {
			return nil, fail(true, fmt.Errorf("truncated body: received %d of the %d bytes announced", n, resp.ContentLength))
		}
		d.checks = append(d.checks, "content-length")
	}
	if want != "" {
		if !strings.EqualFold(want, d.sha256) {
			return nil, fail(false, fmt.Errorf("%w: sha256 %s does not match %s published in the .sha256 file", ErrIntegrity, d.sha256, want))
		}
		d.checks = append(d.checks, "sha256")
	}
	checks, err := checkGoogHash(resp, md, crc)
	if err != nil {
		return nil, fail(false, err)
	}
	d.checks = append(d.checks, checks...)
	check, err := checkFormat(file)
	if err != nil {
		return nil, fail(false, err)
	}
	if check != "" {
		d.checks = append(d.checks, check)
	}
	return d, nil
}

// sibling fetches the checksum published as <url>.sha256, in sha256sum's format ("<hex>
// <name>") or bare. It returns "" when there is none (404, 403 as a bucket without list
// permission answers, 410); any other failure fails the attempt, since a server that
// cannot serve a small file is unlikely to serve the large one.
func (u *updater) sibling(ctx context.Context, raw string, stall *stallTimer) (string, error) {
	p, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	// Add the suffix to the path, not to the string: a query (a signed URL's token) follows.
	p.Path += ".sha256"
	p.RawPath = ""
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("User-Agent", "trawl-db-update")
	resp, err := u.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return "", ue.Err // without the URL it quotes, token and all
		}
		return "", err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusForbidden, http.StatusGone:
		return "", nil
	default:
		return "", fmt.Errorf("server answered %s", resp.Status)
	}
	body, err := io.ReadAll(&progressReader{r: io.LimitReader(resp.Body, 4096), progress: stall.reset})
	if err != nil {
		return "", err
	}
	fields := strings.Fields(string(body))
	if len(fields) == 0 || len(fields[0]) != sha256.Size*2 {
		return "", fmt.Errorf("%w: it does not hold a SHA-256 digest", ErrIntegrity)
	}
	if _, err := hex.DecodeString(fields[0]); err != nil {
		return "", fmt.Errorf("%w: it does not hold a SHA-256 digest", ErrIntegrity)
	}
	return strings.ToLower(fields[0]), nil
}

// checkGoogHash compares the md5 and crc32c hashes Google Cloud Storage sends in
// x-goog-hash ("crc32c=<base64>,md5=<base64>", in one header or several) with what was
// received. The hashes are of the object as stored, so they say nothing when the body was
// decoded on the way (transcoding of gzip-encoded objects): then they are skipped.
func checkGoogHash(resp *http.Response, md, crc hash.Hash) ([]string, error) {
	vals := resp.Header.Values("X-Goog-Hash")
	if len(vals) == 0 {
		return nil, nil
	}
	if resp.Uncompressed || contentEncoded(resp.Header.Get("Content-Encoding")) || contentEncoded(resp.Header.Get("X-Goog-Stored-Content-Encoding")) {
		return nil, nil
	}
	var checks []string
	for _, v := range vals {
		for _, part := range strings.Split(v, ",") {
			alg, b64, ok := strings.Cut(strings.TrimSpace(part), "=")
			if !ok {
				continue
			}
			want, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, fmt.Errorf("%w: x-goog-hash %s is not base64", ErrIntegrity, alg)
			}
			var got []byte
			switch strings.ToLower(alg) {
			case "md5":
				got = md.Sum(nil)
			case "crc32c":
				got = binary.BigEndian.AppendUint32(nil, crc.(hash.Hash32).Sum32())
			default:
				continue
			}
			if string(got) != string(want) {
				return nil, fmt.Errorf("%w: %s %s does not match %s in x-goog-hash", ErrIntegrity, alg,
					base64.StdEncoding.EncodeToString(got), b64)
			}
			checks = append(checks, strings.ToLower(alg))
		}
	}
	return checks, nil
}

func contentEncoded(enc string) bool {
	return enc != "" && !strings.EqualFold(enc, "identity")
}

// checkFormat checks that a download is whole where its format says so: a zip's central
// directory is at its end, so a truncated zip does not open; a JSON document must parse
// to its end. An empty zip is refused too: a mirror serving one would otherwise wipe an
// ecosystem's advisories from the DB. It returns the name of the check made, if any.
func checkFormat(file string) (string, error) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".zip":
		zr, err := zip.OpenReader(file)
		if err != nil {
			return "", fmt.Errorf("%w: not a valid zip archive (truncated?): %v", ErrIntegrity, err)
		}
		defer zr.Close()
		if len(zr.File) == 0 {
			return "", fmt.Errorf("%w: the zip archive is empty", ErrIntegrity)
		}
		return "zip", nil
	case ".json":
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		// Token by token, so that a tracker dump of 100 MB is not held in memory.
		dec := json.NewDecoder(bufio.NewReaderSize(f, 256<<10))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				return "", fmt.Errorf("%w: not valid JSON (truncated?): %v", ErrIntegrity, err)
			}
		}
		return "json", nil
	}
	return "", nil
}

// progressReader reports each read that made progress, and remembers a read error, so
// that a failed copy can be told from a failed write.
type progressReader struct {
	r        io.Reader
	progress func()
	err      error
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.progress()
	}
	if err != nil && err != io.EOF {
		p.err = err
	}
	return n, err
}

// stallTimer fires when reset has not been called for d. d == 0 disables it.
type stallTimer struct {
	d time.Duration
	t *time.Timer
}

func newStallTimer(d time.Duration, fire func()) *stallTimer {
	if d <= 0 {
		return &stallTimer{}
	}
	return &stallTimer{d: d, t: time.AfterFunc(d, fire)}
}

func (s *stallTimer) reset() {
	if s.t != nil {
		s.t.Reset(s.d)
	}
}

func (s *stallTimer) stop() {
	if s.t != nil {
		s.t.Stop()
	}
}

// delay is the wait before retry number try (1-based): RetryBackoff doubled per retry up
// to MaxBackoff, of which the upper half is random ("equal jitter": waits still grow, and
// clients that failed together do not retry together), or the server's Retry-After if it
// asked for longer, still bounded by MaxBackoff.
func (u *updater) delay(try int, last error) time.Duration {
	d := u.maxBackoff
	if try-1 < 30 {
		if b := u.backoff << (try - 1); b > 0 && b < d {
			d = b
		}
	}
	d = d/2 + time.Duration(u.randFraction()*float64(d/2))
	var fe *fetchError
	if errors.As(last, &fe) && fe.retryAfter > d {
		d = min(fe.retryAfter, u.maxBackoff)
	}
	return d
}

func randFraction() float64 { return rand.Float64() }

// retryAfter parses a Retry-After header in seconds; the HTTP-date form is rare for the
// servers we talk to and is ignored.
func retryAfter(v string) time.Duration {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Redact returns raw without userinfo, query or fragment, for logs and errors: mirrors
// may be signed URLs or carry credentials. A URL that does not parse is replaced by a
// placeholder rather than echoed.
func Redact(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		return "<invalid URL>"
	}
	p.User = nil
	p.RawQuery = ""
	p.ForceQuery = false
	p.Fragment = ""
	p.RawFragment = ""
	return p.String()
}
