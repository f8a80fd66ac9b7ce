// Package spdx writes the report as an SPDX 2.3 JSON document (work in progress).
package spdx

import (
	_ "github.com/spdx/tools-golang/json"
	_ "github.com/spdx/tools-golang/spdx/v2/v2_3"
)
