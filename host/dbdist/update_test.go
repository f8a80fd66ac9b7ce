package dbdist_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	stdlog "log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trawlscan/trawl/host/db"
	"github.com/trawlscan/trawl/host/dbdist"
)

// testConfig keeps every timeout and backoff short, so that failure cases take
// milliseconds, not minutes.
func testConfig(mirrors ...string) dbdist.UpdateConfig {
	return dbdist.UpdateConfig{
		Mirrors:       mirrors,
		Ecosystems:    []string{"Go", "crates.io"},
		AllowHTTP:     true,
		Timeout:       5 * time.Second,
		StallTimeout:  300 * time.Millisecond,
		Retries:       1,
		RetryBackoff:  5 * time.Millisecond,
		MaxBackoff:    20 * time.Millisecond,
		ImportOptions: []db.ImportOption{db.WithClock(fixedClock)},
	}
}

func serve(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// serveTLS is serve over HTTPS, without logging the handshake errors of connections the
// client drops at the end of a test.
func serveTLS(t testing.TB, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// only routes one path to h and everything else to next.
func only(path string, h http.HandlerFunc, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			h(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	zips := corpusZips(t)
	fs := &files{content: zips, sha256: true, googHash: true}
	srv := serve(t, fs)
	dst, _ := seedDB(t)
	log, logs := testLogger()

	cfg := testConfig(srv.URL)
	cfg.Extra = []string{srv.URL + "/secdb/v3.10/main.yaml"}
	cfg.Logger = log
	res, err := dbdist.Update(context.Background(), dst, cfg)
	if err != nil {
		t.Fatal(err)
	}

	if len(res.Sources) != 3 {
		t.Fatalf("got %d sources, want 3: %+v", len(res.Sources), res.Sources)
	}
	for i, want := range []struct {
		name, path string
		checks     []string
	}{
		{"Go", "/Go/all.zip", []string{"content-length", "sha256", "crc32c", "md5", "zip"}},
		{"crates.io", "/crates.io/all.zip", []string{"content-length", "sha256", "crc32c", "md5", "zip"}},
		{srv.URL + "/secdb/v3.10/main.yaml", "/secdb/v3.10/main.yaml", []string{"content-length", "sha256", "crc32c", "md5"}},
	} {
		s := res.Sources[i]
		if s.Name != want.name || s.URL != srv.URL+want.path || s.Attempts != 1 || s.Bytes != int64(len(zips[want.path])) || len(s.Failures) != 0 {
			t.Errorf("source %d = %+v, want %s from %s in 1 attempt, %d bytes", i, s, want.name, want.path, len(zips[want.path]))
		}
		if !slices.Equal(s.Checks, want.checks) {
			t.Errorf("%s: checks %q, want %q", s.Name, s.Checks, want.checks)
		}
	}
	if res.Sources[0].Mirror != 0 || res.Sources[2].Mirror != -1 {
		t.Errorf("mirror indexes %d, %d; want 0 for an ecosystem and -1 for an extra URL", res.Sources[0].Mirror, res.Sources[2].Mirror)
	}

	d, err := db.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	meta := d.Meta()
	if meta.Advisories == 0 || meta.Advisories != res.Summary.Meta.Advisories || !meta.BuiltAt.Equal(fixedClock()) {
		t.Errorf("DB meta %+v, import summary %+v", meta, res.Summary.Meta)
	}
	var kinds []string
	for _, s := range meta.Sources {
		kinds = append(kinds, s.Kinds...)
		if s.Imported == 0 {
			t.Errorf("source %s imported nothing: %+v", s.Name, s)
		}
	}
	if !slices.Equal(kinds, []string{"osv-zip", "osv-zip", "alpine-secdb"}) {
		t.Errorf("source kinds %q", kinds)
	}
	if !strings.HasSuffix(meta.Sources[0].Name, filepath.Join("Go", "all.zip")) {
		t.Errorf("source name %q does not name the ecosystem's zip", meta.Sources[0].Name)
	}
	// GO-2020-0001 (the first file zipped) is about github.com/gin-gonic/gin.
	advs, err := d.Advisories("Go", "github.com/gin-gonic/gin")
	if err != nil || len(advs) == 0 {
		t.Errorf("Go advisories for gin: %d, %v", len(advs), err)
	}
	assertOnly(t, filepath.Dir(dst), "trawl.db")
	if !strings.Contains(logs.String(), "vulnerability database updated") {
		t.Errorf("no completion logged:\n%s", logs)
	}
}

// TestUpdateMirrorFallback covers failures that one mirror has and the next does not:
// the update succeeds from the second mirror, and reports what went wrong on the first.
func TestUpdateMirrorFallback(t *testing.T) {
	t.Parallel()
	zips := corpusZips(t)
	good := serve(t, &files{content: zips, sha256: true})
	half := func(w http.ResponseWriter, r *http.Request) {
		b, ok := zips[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b[:len(b)/2])
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	for _, tc := range []struct {
		name string
		// first returns the first mirror's URL.
		first        func(t *testing.T) string
		wantAttempts int    // on the first mirror, per source
		wantFailure  string // in each failure
	}{{
		name:         "connection refused",
		first:        func(t *testing.T) string { return "http://" + deadAddr(t) },
		wantAttempts: 2,
		wantFailure:  "connection refused",
	}, {
		name: "stall mid-body",
		first: func(t *testing.T) string {
			return serve(t, http.HandlerFunc(half)).URL
		},
		wantAttempts: 2,
		wantFailure:  "stalled",
	}, {
		name: "bad sha256",
		first: func(t *testing.T) string {
			fs := &files{content: zips}
			return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, ".sha256") {
					fmt.Fprintf(w, "%064x  all.zip\n", 0)
					return
				}
				fs.ServeHTTP(w, r)
			})).URL
		},
		wantAttempts: 1, // a checksum mismatch goes to the next mirror at once
		wantFailure:  "does not match",
	}, {
		name:         "not found",
		first:        func(t *testing.T) string { return serve(t, http.NotFoundHandler()).URL },
		wantAttempts: 1,
		wantFailure:  "404",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dst, _ := seedDB(t)
			res, err := dbdist.Update(context.Background(), dst, testConfig(tc.first(t), good.URL))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range res.Sources {
				if s.Mirror != 1 || !strings.HasPrefix(s.URL, good.URL) || s.Attempts != tc.wantAttempts+1 {
					t.Errorf("%s: from mirror %d (%s) in %d attempts, want mirror 1 in %d", s.Name, s.Mirror, s.URL, s.Attempts, tc.wantAttempts+1)
				}
				if len(s.Failures) != tc.wantAttempts {
					t.Errorf("%s: failures %q, want %d", s.Name, s.Failures, tc.wantAttempts)
				}
				for _, f := range s.Failures {
					if !strings.Contains(f, tc.wantFailure) {
						t.Errorf("%s: failure %q does not mention %q", s.Name, f, tc.wantFailure)
					}
				}
			}
			d, err := db.Open(dst)
			if err != nil {
				t.Fatal(err)
			}
			if n := d.Meta().Advisories; n < 50 {
				t.Errorf("new DB holds %d advisories, want the 60 downloaded (less rejections)", n)
			}
			d.Close()
			assertOnly(t, filepath.Dir(dst), "trawl.db")
		})
	}
}

func TestUpdateRetries5xx(t *testing.T) {
	t.Parallel()
	fs := &files{content: corpusZips(t)}
	var mu sync.Mutex
	failed := map[string]bool{}
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := !failed[r.URL.Path] && strings.HasSuffix(r.URL.Path, ".zip")
		failed[r.URL.Path] = true
		mu.Unlock()
		if first {
			http.Error(w, "try later", http.StatusServiceUnavailable)
			return
		}
		fs.ServeHTTP(w, r)
	}))
	dst, _ := seedDB(t)
	cfg := testConfig(srv.URL)
	cfg.Retries = 3
	res, err := dbdist.Update(context.Background(), dst, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Sources {
		if s.Attempts != 2 || s.Mirror != 0 || len(s.Failures) != 1 || !strings.Contains(s.Failures[0], "503") {
			t.Errorf("%s: %d attempts from mirror %d, failures %q; want 2 from mirror 0 after one 503", s.Name, s.Attempts, s.Mirror, s.Failures)
		}
	}
}

// TestUpdateFailures covers downloads that fail on the only mirror: the update fails,
// naming the cause, and the old DB stays as it was with nothing left beside it.
func TestUpdateFailures(t *testing.T) {
	t.Parallel()
	zips := corpusZips(t)
	goZip := zips["/Go/all.zip"]
	ok := &files{content: zips}
	// raw writes a hand-made response and closes the connection, as a proxy that dies does.
	raw := func(header string, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			defer conn.Close()
			buf.WriteString(header)
			buf.Write(body)
			buf.Flush()
		}
	}
	for _, tc := range []struct {
		name    string
		handler http.Handler // serves the mirror; nil: no server (connection refused)
		cfg     func(*dbdist.UpdateConfig)
		want    string
	}{{
		name: "server down",
		want: "connection refused",
	}, {
		name:    "500",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "boom", 500) }, ok),
		want:    "500 Internal Server Error",
	}, {
		name: "stall",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(goZip)))
			w.Write(goZip[:len(goZip)/2])
			w.(http.Flusher).Flush()
			<-r.Context().Done()
		}, ok),
		want: "stalled",
	}, {
		name: "stall before headers",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, ok),
		want: "stalled",
	}, {
		name: "truncated, Content-Length larger than the body",
		handler: only("/Go/all.zip", raw(
			fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", len(goZip)), goZip[:len(goZip)/2]), ok),
		want: "truncated",
	}, {
		name: "truncated, unterminated chunked body",
		handler: only("/Go/all.zip", raw(
			"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", fmt.Appendf(nil, "%x\r\n%s\r\n", 1000, goZip[:1000])), ok),
		want: "truncated",
	}, {
		name: "truncated, close-delimited body",
		handler: only("/Go/all.zip", raw(
			"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", goZip[:len(goZip)/2]), ok),
		want: "not a valid zip",
	}, {
		name:    "bad sha256",
		handler: only("/Go/all.zip.sha256", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "%064x\n", 1) }, ok),
		want:    "published in the .sha256 file",
	}, {
		name:    "malformed sha256 file",
		handler: only("/Go/all.zip.sha256", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") }, ok),
		want:    "does not hold a SHA-256 digest",
	}, {
		name: "bad x-goog-hash md5",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Goog-Hash", "md5=AAAAAAAAAAAAAAAAAAAAAA==")
			w.Write(goZip)
		}, ok),
		want: "in x-goog-hash",
	}, {
		name:    "not a zip",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>captive portal</html>") }, ok),
		want:    "not a valid zip",
	}, {
		name: "empty zip",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
		}, ok),
		want: "empty",
	}, {
		name:    "larger than MaxBytes",
		handler: ok,
		cfg:     func(c *dbdist.UpdateConfig) { c.MaxBytes = 1000 },
		want:    "larger than the limit of 1000 bytes",
	}, {
		name: "larger than MaxBytes, no Content-Length",
		handler: only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) {
			w.Write(goZip[:10])
			w.(http.Flusher).Flush() // chunked: the size is not known in advance
			w.Write(goZip[10:])
		}, ok),
		cfg: func(c *dbdist.UpdateConfig) {
			c.MaxBytes = int64(len(goZip) - 1)
			c.Ecosystems = []string{"Go"}
		},
		want: "refused: larger than the limit",
	}, {
		name:    "ecosystem missing",
		handler: ok,
		cfg:     func(c *dbdist.UpdateConfig) { c.Ecosystems = []string{"Go", "NoSuchEcosystem"} },
		want:    "404 Not Found",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dst, old := seedDB(t)
			mirror := "http://" + deadAddr(t)
			if tc.handler != nil {
				mirror = serve(t, tc.handler).URL
			}
			cfg := testConfig(mirror)
			if tc.cfg != nil {
				tc.cfg(&cfg)
			}
			start := time.Now()
			res, err := dbdist.Update(context.Background(), dst, cfg)
			if err == nil {
				t.Fatalf("update succeeded: %+v", res)
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "left unchanged") {
				t.Errorf("error %q does not say %q and that the DB was left unchanged", err, tc.want)
			}
			var se *dbdist.SourceError
			if !errors.As(err, &se) {
				t.Errorf("error %v is not a *SourceError", err)
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("took %s", time.Since(start))
			}
			assertUnchanged(t, dst, old)
		})
	}
}

// TestUpdateCancel cancels the context while a body is half received: Update returns
// promptly with the context's error, without retrying, and the old DB is untouched.
func TestUpdateCancel(t *testing.T) {
	t.Parallel()
	zips := corpusZips(t)
	started := make(chan struct{})
	var once sync.Once
	srv := serve(t, only("/Go/all.zip", func(w http.ResponseWriter, r *http.Request) {
		b := zips["/Go/all.zip"]
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		w.Write(b[:len(b)/2])
		w.(http.Flusher).Flush()
		once.Do(func() { close(started) })
		<-r.Context().Done()
	}, &files{content: zips}))
	dst, old := seedDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	cfg := testConfig(srv.URL, srv.URL)
	cfg.StallTimeout = 10 * time.Second // the cancellation, not a stall, must end it
	start := time.Now()
	res, err := dbdist.Update(ctx, dst, cfg)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %s after cancellation", time.Since(start))
	}
	if a := res.Sources[0].Attempts; a != 1 {
		t.Errorf("Go: %d attempts, want 1 (no retry after cancellation)", a)
	}
	assertUnchanged(t, dst, old)
}

func TestUpdateOffline(t *testing.T) {
	t.Parallel()
	fs := &files{content: corpusZips(t)}
	srv := serve(t, fs)
	dst, old := seedDB(t)
	cfg := testConfig(srv.URL)
	cfg.Offline = true
	_, err := dbdist.Update(context.Background(), dst, cfg)
	if !errors.Is(err, dbdist.ErrOffline) || !strings.Contains(err.Error(), "network access is disabled") {
		t.Errorf("err = %v, want ErrOffline", err)
	}
	if n := fs.total(); n != 0 {
		t.Errorf("%d requests made offline", n)
	}
	assertUnchanged(t, dst, old)
}

// TestUpdateHTTPS: plain HTTP is refused unless allowed, including by redirect, and an
// HTTPS mirror works with the caller's client.
func TestUpdateHTTPS(t *testing.T) {
	t.Parallel()
	zips := corpusZips(t)
	plain := &files{content: zips}
	plainSrv := serve(t, plain)

	t.Run("http refused", func(t *testing.T) {
		dst, old := seedDB(t)
		cfg := testConfig(plainSrv.URL)
		cfg.AllowHTTP = false
		_, err := dbdist.Update(context.Background(), dst, cfg)
		if err == nil || !strings.Contains(err.Error(), "plain HTTP is not allowed") {
			t.Errorf("err = %v, want plain HTTP refused", err)
		}
		if n := plain.total(); n != 0 {
			t.Errorf("%d requests made", n)
		}
		assertUnchanged(t, dst, old)
	})

	tlsSrv := serveTLS(t, &files{content: zips, sha256: true})
	t.Run("https", func(t *testing.T) {
		dst, _ := seedDB(t)
		cfg := testConfig(tlsSrv.URL)
		cfg.AllowHTTP = false
		cfg.Client = tlsSrv.Client()
		res, err := dbdist.Update(context.Background(), dst, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(res.Sources[0].Checks, "sha256") {
			t.Errorf("checks %q", res.Sources[0].Checks)
		}
	})

	redirect := serveTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plainSrv.URL+r.URL.Path, http.StatusFound)
	}))
	t.Run("redirect to http refused", func(t *testing.T) {
		dst, old := seedDB(t)
		cfg := testConfig(redirect.URL)
		cfg.AllowHTTP = false
		cfg.Client = redirect.Client()
		res, err := dbdist.Update(context.Background(), dst, cfg)
		if err == nil || !strings.Contains(err.Error(), "not HTTPS") {
			t.Fatalf("err = %v, want the redirect refused", err)
		}
		if a := res.Sources[0].Attempts + res.Sources[1].Attempts; a > 2 {
			t.Errorf("%d attempts; a refused redirect is not retried", a)
		}
		assertUnchanged(t, dst, old)
	})
}

// TestUpdateRedacts: a mirror's userinfo and query (a signed URL's token) reach the server
// but never the logs, the result or the errors.
func TestUpdateRedacts(t *testing.T) {
	t.Parallel()
	fs := &files{content: corpusZips(t)}
	var mu sync.Mutex
	var gotQuery, gotUser []string
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _, _ := r.BasicAuth()
		mu.Lock()
		gotQuery = append(gotQuery, r.URL.Query().Get("sig"))
		gotUser = append(gotUser, user)
		mu.Unlock()
		http.StripPrefix("/osv", fs).ServeHTTP(w, r)
	}))
	failing := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	withSecret := func(base string) string {
		return strings.Replace(base, "http://", "http://bob:hunter2@", 1) + "/osv?sig=s3cr3t-token"
	}
	log, logs := testLogger()
	dst, _ := seedDB(t)
	cfg := testConfig(withSecret(failing.URL), withSecret(srv.URL))
	cfg.Logger = log
	res, err := dbdist.Update(context.Background(), dst, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(gotQuery, "s3cr3t-token") || !slices.Contains(gotUser, "bob") {
		t.Errorf("the server did not receive the token and user: %q %q", gotQuery, gotUser)
	}
	if want := srv.URL + "/osv/Go/all.zip"; res.Sources[0].URL != want {
		t.Errorf("URL %q, want %q", res.Sources[0].URL, want)
	}
	report := fmt.Sprintf("%+v\n%s", res.Sources, logs)

	// And in an error.
	cfg = testConfig(withSecret(failing.URL), "http://bob:hunter2@"+deadAddr(t)+"/?sig=s3cr3t-token")
	cfg.Logger = log
	_, err = dbdist.Update(context.Background(), dst, cfg)
	if err == nil {
		t.Fatal("update succeeded")
	}
	report += "\n" + err.Error() + "\n" + logs.String()
	for _, secret := range []string{"hunter2", "s3cr3t", "bob"} {
		if strings.Contains(report, secret) {
			t.Errorf("%q leaked:\n%s", secret, report)
		}
	}
}

func TestUpdateConfigErrors(t *testing.T) {
	t.Parallel()
	dst := filepath.Join(t.TempDir(), "trawl.db")
	for _, tc := range []struct {
		name string
		cfg  dbdist.UpdateConfig
		want string
	}{
		{"bad ecosystem", dbdist.UpdateConfig{Ecosystems: []string{"../etc"}}, "invalid ecosystem"},
		{"duplicate ecosystem", dbdist.UpdateConfig{Ecosystems: []string{"Go", "Go"}}, "listed twice"},
		{"nothing", dbdist.UpdateConfig{Ecosystems: []string{}}, "nothing to download"},
		{"relative mirror", dbdist.UpdateConfig{Mirrors: []string{"mirror/osv"}}, "not an absolute URL"},
		{"ftp", dbdist.UpdateConfig{Extra: []string{"ftp://example.org/x.json"}}, "unsupported scheme"},
	} {
		_, err := dbdist.Update(context.Background(), dst, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	assertOnly(t, filepath.Dir(dst))
}

// TestUpdateRemovesStaleDownloads: a download directory left by a killed update a day ago
// is removed; a recent one (a concurrent update's) is not.
func TestUpdateRemovesStaleDownloads(t *testing.T) {
	t.Parallel()
	srv := serve(t, &files{content: corpusZips(t)})
	dst, _ := seedDB(t)
	dir := filepath.Dir(dst)
	stale := filepath.Join(dir, ".trawl.db.update-111")
	recent := filepath.Join(dir, ".trawl.db.update-222")
	for _, d := range []string{stale, recent} {
		if err := os.MkdirAll(filepath.Join(d, "Go"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := dbdist.Update(context.Background(), dst, testConfig(srv.URL)); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "trawl.db", filepath.Base(recent))
}

// TestDefaultEcosystems: the default list has osv.dev's spelling of each name, and callers
// cannot change it for others.
func TestDefaultEcosystems(t *testing.T) {
	t.Parallel()
	eco := dbdist.DefaultEcosystems()
	for _, want := range []string{"Go", "PyPI", "npm", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Alpine", "Debian", "Ubuntu"} {
		if !slices.Contains(eco, want) {
			t.Errorf("default ecosystems %q lack %s", eco, want)
		}
	}
	eco[0] = "changed"
	if dbdist.DefaultEcosystems()[0] == "changed" {
		t.Error("DefaultEcosystems returns a shared slice")
	}
}
