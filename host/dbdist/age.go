package dbdist

import (
	"math"
	"time"

	"github.com/trawlscan/trawl/host/db"
)

// DefaultMaxAge is the age past which a DB is considered stale, the default of
// `trawl scan --db-max-age`. osv.dev exports continuously, so a week-old DB misses a
// week of published advisories.
const DefaultMaxAge = 7 * 24 * time.Hour

// Age returns how long before now the DB described by m was built.
//
// A DB with no build time is reported as infinitely old (math.MaxInt64), so that any
// staleness limit flags it; a build time in the future (clock skew between the machine
// that built the DB and this one) counts as age 0 rather than a negative age.
func Age(m db.Meta, now time.Time) time.Duration {
	if m.BuiltAt.IsZero() {
		return time.Duration(math.MaxInt64)
	}
	if d := now.Sub(m.BuiltAt); d > 0 {
		return d
	}
	return 0
}

// Stale reports whether the DB is older than maxAge; maxAge <= 0 disables the check.
func Stale(m db.Meta, now time.Time, maxAge time.Duration) bool {
	return maxAge > 0 && Age(m, now) > maxAge
}
