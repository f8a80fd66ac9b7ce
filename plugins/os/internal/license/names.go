package license

// legacyNames maps license names that are not SPDX identifiers to the SPDX license
// identifier they stand for. Keys are ASCII-lower-cased, with single spaces between words
// (inputs are folded the same way before lookup). Only names whose meaning is unambiguous
// are here: a name that its own source ties to more than one SPDX identifier ("LGPLv2",
// "LGPLv2+", "GPL+", "BSD", "MIT-style") is left out on purpose, so that an expression using
// it stays unmapped rather than guessed. Names that are SPDX identifiers already but for
// case ("zlib", "bsd-3-clause", "openssl") need no entry: the SPDX lookup is
// case-insensitive.
//
// Debian DEP-5 names with a version ("GPL-2+", "LGPL-2.1", "GFDL-NIV-1.3+") and versions
// with the trailing ".0" dropped ("Apache-2", "CC-BY-SA-3") are not listed either: they are
// parsed by rule in dep5Name and padVersion.
var legacyNames = map[string]string{
	// Fedora legacy ("Callaway") short names: the abbreviation lists of
	// fedora-license-data (https://gitlab.com/fedora/legal/fedora-license-data, the SPDX
	// migration data behind https://docs.fedoraproject.org/en-US/legal/), which record for
	// each SPDX identifier the old Licensing:Main short names it replaced. Each name here is
	// listed under exactly one SPDX identifier there. "LGPLv2" and "LGPLv2+" are listed under
	// both the LGPL-2.0 and the LGPL-2.1 identifiers ("v2 (or 2.1)") and are left out.
	"gplv1":        "GPL-1.0-only",
	"gplv2":        "GPL-2.0-only",
	"gplv2+":       "GPL-2.0-or-later",
	"gplv3":        "GPL-3.0-only",
	"gplv3+":       "GPL-3.0-or-later",
	"lgplv3":       "LGPL-3.0-only",
	"lgplv3+":      "LGPL-3.0-or-later",
	"agplv3":       "AGPL-3.0-only",
	"agplv3+":      "AGPL-3.0-or-later",
	"asl 1.0":      "Apache-1.0",
	"asl 1.1":      "Apache-1.1",
	"asl 2.0":      "Apache-2.0",
	"mplv1.0":      "MPL-1.0",
	"mplv1.1":      "MPL-1.1",
	"mplv2.0":      "MPL-2.0",
	"artistic 2.0": "Artistic-2.0",
	"boost":        "BSL-1.0",
	"cc0":          "CC0-1.0",
	"cpl":          "CPL-1.0",
	"inner-net":    "Inner-Net-2.0",
	"openldap":     "OLDAP-2.8",

	// LGPL 2.1 written in the Fedora style. Not a Fedora short name (Fedora folded 2.1 into
	// "LGPLv2"), but CBL-Mariner and RHEL spec files use it (see testdata), and the version
	// it names is explicit.
	"lgplv2.1":  "LGPL-2.1-only",
	"lgplv2.1+": "LGPL-2.1-or-later",

	// openSUSE's old-to-SPDX name table (obs-service-format_spec_file, licenses_changes.txt),
	// for spellings CBL-Mariner also uses.
	"bsd 2-clause": "BSD-2-Clause",
	"bsd 3-clause": "BSD-3-Clause",

	// Alpine's pre-SPDX APKBUILD spellings (license="GPL2+" in Alpine before 3.12; seen in
	// the 3.10 minirootfs, see testdata): GNU licenses with an explicit version. "LGPL2" and
	// "LGPL2+" are left out for the same reason as Fedora's "LGPLv2".
	"gpl2":     "GPL-2.0-only",
	"gpl2+":    "GPL-2.0-or-later",
	"gpl3":     "GPL-3.0-only",
	"gpl3+":    "GPL-3.0-or-later",
	"lgpl2.1":  "LGPL-2.1-only",
	"lgpl2.1+": "LGPL-2.1-or-later",
	"lgpl3":    "LGPL-3.0-only",
	"lgpl3+":   "LGPL-3.0-or-later",
	"agpl3":    "AGPL-3.0-only",
	"agpl3+":   "AGPL-3.0-or-later",

	// Debian DEP-5 (copyright-format 1.0, https://dep-team.pages.debian.net/deps/dep5/,
	// section 7.1) short names without a version that name one license: "Expat" is the MIT
	// text that SPDX calls MIT (DEP-5 asks for Expat "when it matches" among the MIT
	// variants); CC0 has the one version 1.0 (listed above). The other DEP-5 names need a
	// version and are parsed by rule.
	"expat": "MIT",
}

// legacyExceptions maps exception names that are not SPDX exception identifiers to one.
// Keys are folded like legacyNames.
var legacyExceptions = map[string]string{
	// Debian DEP-5 (copyright-format 1.0, section 7.1): "with Font exception" is the GPL
	// font exception, whose text the spec quotes and SPDX lists as Font-exception-2.0. The
	// DEP-5 OpenSSL exception has no SPDX identifier (SPDX's OpenSSL exceptions are
	// per-project texts), and Fedora's "with exceptions" names none: both stay unmapped.
	"font exception": "Font-exception-2.0",
}

// maxNameWords is the largest number of words in a legacyNames key.
const maxNameWords = 2
