// Package severity turns the severity data of advisories into one rating: a qualitative
// level, the CVSS base score when there is one, and where the rating came from.
//
// Advisories carry severity in two forms. A CVSS vector (OSV's CVSS_V2, CVSS_V3 and CVSS_V4
// severity entries) is scored by [FromCVSS] as the FIRST specifications define it. A
// source's own word ("medium" from Ubuntu, "MODERATE" in a GHSA's
// database_specific.severity) is read by [ParseLevel] or [FromSource]. [FromOSV] takes an
// OSV severity entry of either kind. When an advisory has several ratings, [Best] picks
// the one to show.
//
// Scores are BASE scores in every CVSS version. Temporal, threat and environmental metrics
// in a vector are validated but not applied: they describe one deployment or one moment,
// and an advisory's rating has to mean the same thing for every reader. For CVSS v4.0 this
// is the CVSS-B score.
//
// CVSS v2.0, v3.0 and v3.1 vectors are parsed and scored by github.com/pandatix/go-cvss
// (MIT). CVSS v4.0 vectors are parsed and validated by the same library, but scored here:
// the library's v4.0 score rounds in binary floating point, so some base vectors whose
// exact score ends in 5 in the second decimal (8.55 and the like; 450 of 104,976) come out
// a tenth low, where FIRST's reference implementation rounds them half up (see cvss40.go).
package severity
